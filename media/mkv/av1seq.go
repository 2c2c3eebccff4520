package mkv

// av1Seq holds the sequence header fields av1C and the track header need.
type av1Seq struct {
	profile, level0, tier0        byte
	highBitdepth, twelveBit, mono byte
	subX, subY, chromaPos         byte
	width, height                 int
}

// parseAV1Seq parses sequence_header_obu (AV1 spec 5.5.1) through
// color_config; every field before it must be walked because their
// presence depends on earlier flags.
func parseAV1Seq(p []byte) (av1Seq, bool) {
	b := bitReader{data: p}
	var s av1Seq
	s.profile = byte(b.bits(3))
	b.bit() // still_picture
	reducedStill := b.bit() == 1
	if reducedStill {
		s.level0 = byte(b.bits(5))
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
				s.level0, s.tier0 = level, tier
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
	s.width, s.height = int(b.bits(wBits))+1, int(b.bits(hBits))+1
	if !reducedStill && b.bit() == 1 { // frame_id_numbers_present_flag
		b.bits(4) // delta_frame_id_length_minus_2
		b.bits(3) // additional_frame_id_length_minus_1
	}
	b.bits(3) // use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter
	if !reducedStill {
		b.bits(4) // interintra_compound, masked_compound, warped_motion, dual_filter
		orderHint := b.bit() == 1
		if orderHint {
			b.bits(2) // enable_jnt_comp, enable_ref_frame_mvs
		}
		forceScreenContent := uint32(2) // SELECT_SCREEN_CONTENT_TOOLS
		if b.bit() == 0 {               // seq_choose_screen_content_tools
			forceScreenContent = b.bit()
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
	return s, !b.short
}

// parseColorConfig reads color_config (AV1 spec 5.5.2).
func (s *av1Seq) parseColorConfig(b *bitReader) {
	s.highBitdepth = byte(b.bit())
	if s.profile == 2 && s.highBitdepth == 1 {
		s.twelveBit = byte(b.bit())
	}
	if s.profile != 1 {
		s.mono = byte(b.bit())
	}
	const bt709, srgb, identity = 1, 13, 0
	primaries, transfer, matrix := uint32(2), uint32(2), uint32(2) // unspecified
	if b.bit() == 1 {                                              // color_description_present_flag
		primaries, transfer, matrix = b.bits(8), b.bits(8), b.bits(8)
	}
	switch {
	case s.mono == 1:
		b.bit() // color_range
		s.subX, s.subY = 1, 1
		return
	case primaries == bt709 && transfer == srgb && matrix == identity:
		return // 4:4:4, full range
	}
	b.bit() // color_range
	switch s.profile {
	case 0:
		s.subX, s.subY = 1, 1
	case 1:
	default:
		if s.twelveBit == 1 {
			s.subX = byte(b.bit())
			if s.subX == 1 {
				s.subY = byte(b.bit())
			}
		} else {
			s.subX = 1
		}
	}
	if s.subX == 1 && s.subY == 1 {
		s.chromaPos = byte(b.bits(2))
	}
}
