package av1

import "github.com/webrtc-cli/webrtc-cli/media/internal/bitstream"

// SequenceHeader holds what webrtc-cli needs of an AV1 sequence header:
// the maximum frame size, and the fields of an AV1CodecConfigurationRecord
// (av1C) for Matroska. Flags are 0 or 1.
type SequenceHeader struct {
	Profile, Level0, Tier0        byte // seq_profile; level and tier of operating point 0
	HighBitdepth, TwelveBit, Mono byte
	SubX, SubY, ChromaPos         byte // chroma subsampling and sample position
	Width, Height                 int  // max_frame_{width,height}
	ReducedStill                  bool // reduced_still_picture_header
	// Complete reports that the header was read through color_config;
	// the fields after the frame size are only valid then.
	Complete bool
}

// ParseSequenceHeader parses the payload of a sequence_header_obu (AV1
// spec 5.5.1) through color_config; every field before it must be walked
// because their presence depends on earlier flags. ok is false when the
// payload ends before the frame size; Complete says whether it went on
// through color_config, which Matroska's av1C needs and a frame size does
// not.
func ParseSequenceHeader(p []byte) (s SequenceHeader, ok bool) {
	b := bitstream.NewReader(p)
	s.Profile = byte(b.Bits(3))
	b.Bit() // still_picture
	s.ReducedStill = b.Flag()
	if s.ReducedStill {
		s.Level0 = byte(b.Bits(5))
	} else {
		s.parseOperatingPoints(&b)
	}
	wBits, hBits := int(b.Bits(4))+1, int(b.Bits(4))+1
	s.Width, s.Height = int(b.Bits(wBits))+1, int(b.Bits(hBits))+1
	if b.Bad() {
		return s, false
	}
	if !s.ReducedStill && b.Flag() { // frame_id_numbers_present_flag
		b.Bits(4) // delta_frame_id_length_minus_2
		b.Bits(3) // additional_frame_id_length_minus_1
	}
	b.Bits(3) // use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter
	if !s.ReducedStill {
		b.Bits(4) // interintra_compound, masked_compound, warped_motion, dual_filter
		orderHint := b.Flag()
		if orderHint {
			b.Bits(2) // enable_jnt_comp, enable_ref_frame_mvs
		}
		forceScreenContent := uint32(2) // SELECT_SCREEN_CONTENT_TOOLS
		if b.Bit() == 0 {               // seq_choose_screen_content_tools
			forceScreenContent = b.Bit()
		}
		if forceScreenContent > 0 && b.Bit() == 0 { // seq_choose_integer_mv
			b.Bit() // seq_force_integer_mv
		}
		if orderHint {
			b.Bits(3) // order_hint_bits_minus_1
		}
	}
	b.Bits(3) // enable_superres, enable_cdef, enable_restoration
	s.parseColorConfig(&b)
	s.Complete = !b.Bad()
	return s, true
}

// parseOperatingPoints reads timing_info, the decoder model and the
// operating points, keeping the level and tier of the first.
func (s *SequenceHeader) parseOperatingPoints(b *bitstream.Reader) {
	decoderModel := false
	bufferDelayLen := 0
	if b.Flag() { // timing_info_present_flag
		b.Bits(32)    // num_units_in_display_tick
		b.Bits(32)    // time_scale
		if b.Flag() { // equal_picture_interval
			b.UVLC() // num_ticks_per_picture_minus_1
		}
		decoderModel = b.Flag()
		if decoderModel {
			bufferDelayLen = int(b.Bits(5)) + 1
			b.Bits(32) // num_units_in_decoding_tick
			b.Bits(5)  // buffer_removal_time_length_minus_1
			b.Bits(5)  // frame_presentation_time_length_minus_1
		}
	}
	initialDisplayDelay := b.Flag()
	ops := int(b.Bits(5)) + 1
	for i := range ops {
		b.Bits(12) // operating_point_idc
		level := byte(b.Bits(5))
		var tier byte
		if level > 7 {
			tier = byte(b.Bit())
		}
		if i == 0 {
			s.Level0, s.Tier0 = level, tier
		}
		if decoderModel && b.Flag() { // decoder_model_present_for_this_op
			b.Bits(bufferDelayLen) // decoder_buffer_delay
			b.Bits(bufferDelayLen) // encoder_buffer_delay
			b.Bit()                // low_delay_mode_flag
		}
		if initialDisplayDelay && b.Flag() {
			b.Bits(4) // initial_display_delay_minus_1
		}
	}
}

// parseColorConfig reads color_config (AV1 spec 5.5.2).
func (s *SequenceHeader) parseColorConfig(b *bitstream.Reader) {
	s.HighBitdepth = byte(b.Bit())
	if s.Profile == 2 && s.HighBitdepth == 1 {
		s.TwelveBit = byte(b.Bit())
	}
	if s.Profile != 1 {
		s.Mono = byte(b.Bit())
	}
	const bt709, srgb, identity = 1, 13, 0
	primaries, transfer, matrix := uint32(2), uint32(2), uint32(2) // unspecified
	if b.Flag() {                                                  // color_description_present_flag
		primaries, transfer, matrix = b.Bits(8), b.Bits(8), b.Bits(8)
	}
	switch {
	case s.Mono == 1:
		b.Bit() // color_range
		s.SubX, s.SubY = 1, 1
		return
	case primaries == bt709 && transfer == srgb && matrix == identity:
		return // 4:4:4, full range
	}
	b.Bit() // color_range
	switch s.Profile {
	case 0:
		s.SubX, s.SubY = 1, 1
	case 1:
	default:
		if s.TwelveBit == 1 {
			s.SubX = byte(b.Bit())
			if s.SubX == 1 {
				s.SubY = byte(b.Bit())
			}
		} else {
			s.SubX = 1
		}
	}
	if s.SubX == 1 && s.SubY == 1 {
		s.ChromaPos = byte(b.Bits(2))
	}
}
