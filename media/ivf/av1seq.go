package ivf

// AV1SequenceHeader holds what webrtc-cli needs of an AV1 sequence header:
// the maximum frame size, and the fields of an AV1CodecConfigurationRecord
// (av1C) for Matroska. Flags are 0 or 1.
type AV1SequenceHeader struct {
	Profile, Level0, Tier0        byte // seq_profile; level and tier of operating point 0
	HighBitdepth, TwelveBit, Mono byte
	SubX, SubY, ChromaPos         byte // chroma subsampling and sample position
	Width, Height                 int  // max_frame_{width,height}
	ReducedStill                  bool // reduced_still_picture_header
	// Complete reports that the header was read through color_config;
	// the fields after the frame size are only valid then.
	Complete bool
}

// ParseAV1SequenceHeader parses the payload of a sequence_header_obu (AV1
// spec 5.5.1) through color_config; every field before it must be walked
// because their presence depends on earlier flags. ok is false when the
// payload ends before the frame size; Complete says whether it went on
// through color_config. media/ivf reads the frame size from it, media/mkv
// the av1C fields too: one parser for both.
func ParseAV1SequenceHeader(p []byte) (s AV1SequenceHeader, ok bool) {
	b := bitReader{data: p}
	s.Profile = byte(b.bits(3))
	b.bit() // still_picture
	s.ReducedStill = b.bit() == 1
	if s.ReducedStill {
		s.Level0 = byte(b.bits(5))
	} else {
		decoderModel := false
		bufferDelayLen := 0
		if b.bit() == 1 { // timing_info_present_flag
			b.bits(32)        // num_units_in_display_tick
			b.bits(32)        // time_scale
			if b.bit() == 1 { // equal_picture_interval
				b.uvlc() // num_ticks_per_picture_minus_1
			}
			decoderModel = b.bit() == 1
			if decoderModel {
				bufferDelayLen = int(b.bits(5)) + 1
				b.bits(32) // num_units_in_decoding_tick
				b.bits(5)  // buffer_removal_time_length_minus_1
				b.bits(5)  // frame_presentation_time_length_minus_1
			}
		}
		initialDisplayDelay := b.bit() == 1
		ops := int(b.bits(5)) + 1
		for i := range ops {
			b.bits(12) // operating_point_idc
			level := byte(b.bits(5))
			var tier byte
			if level > 7 {
				tier = byte(b.bit())
			}
			if i == 0 {
				s.Level0, s.Tier0 = level, tier
			}
			if decoderModel && b.bit() == 1 { // decoder_model_present_for_this_op
				b.bits(bufferDelayLen) // decoder_buffer_delay
				b.bits(bufferDelayLen) // encoder_buffer_delay
				b.bit()                // low_delay_mode_flag
			}
			if initialDisplayDelay && b.bit() == 1 {
				b.bits(4) // initial_display_delay_minus_1
			}
		}
	}
	wBits, hBits := int(b.bits(4))+1, int(b.bits(4))+1
	s.Width, s.Height = int(b.bits(wBits))+1, int(b.bits(hBits))+1
	if b.short {
		return s, false
	}
	if !s.ReducedStill && b.bit() == 1 { // frame_id_numbers_present_flag
		b.bits(4) // delta_frame_id_length_minus_2
		b.bits(3) // additional_frame_id_length_minus_1
	}
	b.bits(3) // use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter
	if !s.ReducedStill {
		b.bits(4) // interintra_compound, masked_compound, warped_motion, dual_filter
		orderHint := b.bit() == 1
		if orderHint {
			b.bits(2) // enable_jnt_comp, enable_ref_frame_mvs
		}
		forceScreenContent := uint64(2) // SELECT_SCREEN_CONTENT_TOOLS
		if b.bit() == 0 {               // seq_choose_screen_content_tools
			forceScreenContent = uint64(b.bit())
		}
		if forceScreenContent > 0 && b.bit() == 0 { // seq_choose_integer_mv
			b.bit() // seq_force_integer_mv
		}
		if orderHint {
			b.bits(3) // order_hint_bits_minus_1
		}
	}
	b.bits(3) // enable_superres, enable_cdef, enable_restoration
	s.parseColorConfig(&b)
	s.Complete = !b.short
	return s, true
}

// parseColorConfig reads color_config (AV1 spec 5.5.2).
func (s *AV1SequenceHeader) parseColorConfig(b *bitReader) {
	s.HighBitdepth = byte(b.bit())
	if s.Profile == 2 && s.HighBitdepth == 1 {
		s.TwelveBit = byte(b.bit())
	}
	if s.Profile != 1 {
		s.Mono = byte(b.bit())
	}
	const bt709, srgb, identity = 1, 13, 0
	primaries, transfer, matrix := uint64(2), uint64(2), uint64(2) // unspecified
	if b.bit() == 1 {                                              // color_description_present_flag
		primaries, transfer, matrix = b.bits(8), b.bits(8), b.bits(8)
	}
	switch {
	case s.Mono == 1:
		b.bit() // color_range
		s.SubX, s.SubY = 1, 1
		return
	case primaries == bt709 && transfer == srgb && matrix == identity:
		return // 4:4:4, full range
	}
	b.bit() // color_range
	switch s.Profile {
	case 0:
		s.SubX, s.SubY = 1, 1
	case 1:
	default:
		if s.TwelveBit == 1 {
			s.SubX = byte(b.bit())
			if s.SubX == 1 {
				s.SubY = byte(b.bit())
			}
		} else {
			s.SubX = 1
		}
	}
	if s.SubX == 1 && s.SubY == 1 {
		s.ChromaPos = byte(b.bits(2))
	}
}
