package ivf

// av1Seq holds the sequence header fields we use.
type av1Seq struct {
	reducedStill  bool
	width, height int
}

// parseAV1Seq parses sequence_header_obu (AV1 spec 5.5) up to the maximum
// frame size. Everything before it must be walked because its length
// depends on timing, decoder-model and operating-point flags.
func parseAV1Seq(p []byte) (av1Seq, bool) {
	b := bitReader{data: p}
	var s av1Seq
	b.bits(3) // seq_profile
	b.bit()   // still_picture
	s.reducedStill = b.bit() == 1
	if s.reducedStill {
		b.bits(5) // seq_level_idx[0]
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
		for range ops {
			b.bits(12) // operating_point_idc
			if b.bits(5) > 7 {
				b.bit() // seq_tier
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
	wBits := int(b.bits(4)) + 1
	hBits := int(b.bits(4)) + 1
	s.width = int(b.bits(wBits)) + 1
	s.height = int(b.bits(hBits)) + 1
	return s, !b.short
}
