package mkv

// spsInfo is what avcC and the track header need from an H.264 SPS.
type spsInfo struct {
	profile, compat, level   byte
	chromaFormat             byte
	lumaDepth8, chromaDepth8 byte // bit depth minus 8
	width, height            int
}

// hasExt reports whether avcC carries the chroma format and bit depths
// after the PPS list: for every profile but Baseline, Main and Extended,
// as ISO 14496-15 now reads and ffmpeg writes.
func (s spsInfo) hasExt() bool {
	return s.profile != 66 && s.profile != 77 && s.profile != 88
}

// parseSPS reads seq_parameter_set_data (H.264 7.3.2.1.1) up to the
// cropping window, which with the macroblock counts gives the picture size.
func parseSPS(nal []byte) (spsInfo, bool) {
	rbsp := unescapeRBSP(nal)
	if len(rbsp) < 4 {
		return spsInfo{}, false
	}
	s := spsInfo{profile: rbsp[0], compat: rbsp[1], level: rbsp[2], chromaFormat: 1}
	b := bitReader{data: rbsp[3:]}
	b.ue() // seq_parameter_set_id
	separatePlanes := false
	switch s.profile {
	case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135:
		cf := b.ue()
		if cf > 3 {
			return spsInfo{}, false
		}
		s.chromaFormat = byte(cf)
		if cf == 3 {
			separatePlanes = b.bit() == 1
		}
		luma, chroma := b.ue(), b.ue()
		if luma > 6 || chroma > 6 {
			return spsInfo{}, false
		}
		s.lumaDepth8, s.chromaDepth8 = byte(luma), byte(chroma)
		b.bit()           // qpprime_y_zero_transform_bypass_flag
		if b.bit() == 1 { // seq_scaling_matrix_present_flag
			lists := 8
			if cf == 3 {
				lists = 12
			}
			for i := range lists {
				if b.bit() == 1 {
					size := 64
					if i < 6 {
						size = 16
					}
					skipScalingList(&b, size)
				}
			}
		}
	}
	b.ue()          // log2_max_frame_num_minus4
	switch b.ue() { // pic_order_cnt_type
	case 0:
		b.ue() // log2_max_pic_order_cnt_lsb_minus4
	case 1:
		b.bit() // delta_pic_order_always_zero_flag
		b.se()  // offset_for_non_ref_pic
		b.se()  // offset_for_top_to_bottom_field
		n := b.ue()
		if n > 255 {
			return spsInfo{}, false
		}
		for range n {
			b.se() // offset_for_ref_frame
		}
	}
	b.ue()  // max_num_ref_frames
	b.bit() // gaps_in_frame_num_value_allowed_flag
	mbsW, mapH := int(b.ue())+1, int(b.ue())+1
	frameMbsOnly := int(b.bit())
	if frameMbsOnly == 0 {
		b.bit() // mb_adaptive_frame_field_flag
	}
	b.bit() // direct_8x8_inference_flag
	var cl, cr, ct, cb int
	if b.bit() == 1 { // frame_cropping_flag
		cl, cr, ct, cb = int(b.ue()), int(b.ue()), int(b.ue()), int(b.ue())
	}
	// Crop units, H.264 equations 7-19 to 7-22.
	cropX, cropY := 1, 2-frameMbsOnly
	if s.chromaFormat != 0 && !separatePlanes {
		if s.chromaFormat < 3 {
			cropX = 2
		}
		if s.chromaFormat == 1 {
			cropY *= 2
		}
	}
	s.width = mbsW*16 - cropX*(cl+cr)
	s.height = (2-frameMbsOnly)*mapH*16 - cropY*(ct+cb)
	if b.short || s.width <= 0 || s.height <= 0 || s.width > 1<<16 || s.height > 1<<16 {
		return spsInfo{}, false
	}
	return s, true
}

// skipScalingList walks scaling_list() (H.264 7.3.2.1.1.1).
func skipScalingList(b *bitReader, size int) {
	last, next := int32(8), int32(8)
	for range size {
		if next != 0 {
			next = (last + b.se() + 256) % 256
		}
		if next != 0 {
			last = next
		}
		if b.short {
			return
		}
	}
}

// unescapeRBSP drops the emulation prevention bytes (00 00 03 -> 00 00)
// and the NAL header byte.
func unescapeRBSP(nal []byte) []byte {
	if len(nal) == 0 {
		return nil
	}
	out := make([]byte, 0, len(nal))
	zeros := 0
	for _, c := range nal[1:] {
		if zeros >= 2 && c == 3 {
			zeros = 0
			continue
		}
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
		out = append(out, c)
	}
	return out
}
