package h264

import (
	"fmt"

	"github.com/webrtc-cli/webrtc-cli/media/internal/bitstream"
)

// SPS is what a sender needs from a sequence parameter set (H.264 §7.3.2.1
// and Annex E), plus the fields that slice headers depend on.
type SPS struct {
	ProfileIDC  uint8
	Constraints uint8 // constraint_set0..5 flags as coded: set0 is 0x80
	LevelIDC    uint8
	ID          uint32

	ChromaFormatIDC      uint32 // 1 (4:2:0) unless the profile codes it
	SeparateColourPlane  bool
	BitDepthLuma         int
	BitDepthChroma       int
	Log2MaxFrameNum      int
	PicOrderCntType      uint32
	Log2MaxPicOrderCnt   int // poc type 0
	DeltaPicOrderAlways0 bool
	FrameMbsOnly         bool

	// Width and Height are the displayed size, after cropping.
	Width, Height int

	// VUI timing (Annex E): a tick lasts NumUnitsInTick/TimeScale seconds
	// and a frame normally two ticks (one per field).
	TimingInfo     bool
	NumUnitsInTick uint32
	TimeScale      uint32
	FixedFrameRate bool
	// PicStructPresent: picture timing SEI carries pic_struct, which sets
	// each picture's duration in ticks.
	PicStructPresent bool
	// cpbDpbDelays and the lengths say how picture timing SEI is laid out.
	cpbDpbDelays       bool
	cpbRemovalDelayLen int
	dpbOutputDelayLen  int

	// MaxNumReorderFrames is from bitstream_restriction, or -1 when the
	// SPS does not say (the decoder may then reorder up to its DPB size).
	MaxNumReorderFrames int
}

// highProfile reports the profiles whose SPS codes chroma format, bit
// depth and scaling matrices.
func highProfile(p uint8) bool {
	switch p {
	case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135:
		return true
	}
	return false
}

// ParseSPS parses a sequence parameter set NAL unit, header byte included,
// emulation prevention bytes still in.
func ParseSPS(nal []byte) (*SPS, error) {
	if len(nal) < 4 || naluType(nal[0]) != nalSPS {
		return nil, fmt.Errorf("%w: %d bytes, not an SPS", ErrBadSPS, len(nal))
	}
	rbsp := unescape(nil, nal[1:], -1)
	b := bitstream.NewReader(rbsp)
	s := &SPS{
		ProfileIDC:          uint8(b.Bits(8)),
		Constraints:         uint8(b.Bits(8)),
		LevelIDC:            uint8(b.Bits(8)),
		ID:                  b.UE(),
		ChromaFormatIDC:     1,
		BitDepthLuma:        8,
		BitDepthChroma:      8,
		MaxNumReorderFrames: -1,
	}
	bad := func(what string, v any) (*SPS, error) {
		return nil, fmt.Errorf("%w: %s %v", ErrBadSPS, what, v)
	}
	if s.ID > 31 {
		return bad("seq_parameter_set_id", s.ID)
	}
	if highProfile(s.ProfileIDC) {
		if s.ChromaFormatIDC = b.UE(); s.ChromaFormatIDC > 3 {
			return bad("chroma_format_idc", s.ChromaFormatIDC)
		}
		if s.ChromaFormatIDC == 3 {
			s.SeparateColourPlane = b.Flag()
		}
		luma, chroma := b.UE(), b.UE()
		if luma > 6 || chroma > 6 {
			return bad("bit depth", fmt.Sprintf("%d/%d", luma+8, chroma+8))
		}
		s.BitDepthLuma, s.BitDepthChroma = int(luma)+8, int(chroma)+8
		b.Bits(1)     // qpprime_y_zero_transform_bypass_flag
		if b.Flag() { // seq_scaling_matrix_present_flag
			lists := 8
			if s.ChromaFormatIDC == 3 {
				lists = 12
			}
			for i := range lists {
				if b.Flag() {
					size := 16
					if i >= 6 {
						size = 64
					}
					skipScalingList(&b, size)
				}
			}
		}
	}
	if v := b.UE(); v > 12 {
		return bad("log2_max_frame_num_minus4", v)
	} else {
		s.Log2MaxFrameNum = int(v) + 4
	}
	switch s.PicOrderCntType = b.UE(); s.PicOrderCntType {
	case 0:
		if v := b.UE(); v > 12 {
			return bad("log2_max_pic_order_cnt_lsb_minus4", v)
		} else {
			s.Log2MaxPicOrderCnt = int(v) + 4
		}
	case 1:
		s.DeltaPicOrderAlways0 = b.Flag()
		b.SE() // offset_for_non_ref_pic
		b.SE() // offset_for_top_to_bottom_field
		n := b.UE()
		if n > 255 {
			return bad("num_ref_frames_in_pic_order_cnt_cycle", n)
		}
		for range n {
			b.SE() // offset_for_ref_frame
		}
	case 2:
	default:
		return bad("pic_order_cnt_type", s.PicOrderCntType)
	}
	b.UE()    // max_num_ref_frames
	b.Bits(1) // gaps_in_frame_num_value_allowed_flag
	wMbs, hMapUnits := b.UE(), b.UE()
	s.FrameMbsOnly = b.Flag()
	if !s.FrameMbsOnly {
		b.Bits(1) // mb_adaptive_frame_field_flag
	}
	b.Bits(1) // direct_8x8_inference_flag
	var crop [4]uint32
	if b.Flag() {
		crop = [4]uint32{b.UE(), b.UE(), b.UE(), b.UE()}
	}
	if b.Bad() {
		return bad("cut short after", fmt.Sprintf("%d bits", len(rbsp)*8-b.Left()))
	}
	if err := s.setSize(wMbs, hMapUnits, crop); err != nil {
		return nil, err
	}
	if b.Flag() { // vui_parameters_present_flag
		s.parseVUI(&b)
	}
	return s, nil
}

// skipScalingList walks scaling_list() (§7.3.2.1.1.1).
func skipScalingList(b *bitstream.Reader, size int) {
	last, next := int32(8), int32(8)
	for range size {
		if next != 0 {
			next = (last + b.SE() + 256) % 256
		}
		if next != 0 {
			last = next
		}
		if b.Bad() {
			return
		}
	}
}

// setSize computes the cropped picture size (§7.4.2.1.1, frame_crop_*).
func (s *SPS) setSize(wMbs, hMapUnits uint32, crop [4]uint32) error {
	const maxMbs = 1 << 16 // far beyond level 6.2's 8192x4320 (512 MBs wide)
	if wMbs >= maxMbs || hMapUnits >= maxMbs {
		return fmt.Errorf("%w: %dx%d macroblocks", ErrBadSPS, wMbs+1, hMapUnits+1)
	}
	fieldFactor := 1
	if !s.FrameMbsOnly {
		fieldFactor = 2
	}
	w := int(wMbs+1) * 16
	h := int(hMapUnits+1) * 16 * fieldFactor
	cropX, cropY := 1, fieldFactor // ChromaArrayType 0 (monochrome, separate planes)
	if !s.SeparateColourPlane {
		switch s.ChromaFormatIDC {
		case 1:
			cropX, cropY = 2, 2*fieldFactor
		case 2:
			cropX = 2
		}
	}
	for _, c := range crop {
		if c >= maxMbs*16 {
			return fmt.Errorf("%w: cropping %v", ErrBadSPS, crop)
		}
	}
	cw := cropX * int(crop[0]+crop[1])
	ch := cropY * int(crop[2]+crop[3])
	if cw >= w || ch >= h {
		return fmt.Errorf("%w: cropping %v leaves nothing of %dx%d", ErrBadSPS, crop, w, h)
	}
	s.Width, s.Height = w-cw, h-ch
	return nil
}

// parseVUI reads vui_parameters() (§E.1.1) up to bitstream_restriction.
// Encoders are known to write a VUI cut short: fields that do not fit are
// left unknown rather than failing the SPS.
func (s *SPS) parseVUI(b *bitstream.Reader) {
	if b.Flag() { // aspect_ratio_info_present_flag
		if b.Bits(8) == 255 { // Extended_SAR
			b.Bits(16)
			b.Bits(16)
		}
	}
	if b.Flag() { // overscan_info_present_flag
		b.Bits(1)
	}
	if b.Flag() { // video_signal_type_present_flag
		b.Bits(4)
		if b.Flag() { // colour_description_present_flag
			b.Bits(24)
		}
	}
	if b.Flag() { // chroma_loc_info_present_flag
		b.UE()
		b.UE()
	}
	if b.Bad() {
		return
	}
	if b.Flag() {
		num, scale, fixed := b.Bits(32), b.Bits(32), b.Flag()
		if b.Bad() {
			return
		}
		if num > 0 && scale > 0 {
			s.TimingInfo, s.NumUnitsInTick, s.TimeScale, s.FixedFrameRate = true, num, scale, fixed
		}
	}
	nal, vcl := false, false
	if nal = b.Flag(); nal {
		s.parseHRD(b)
	}
	if vcl = b.Flag(); vcl {
		s.parseHRD(b)
	}
	if nal || vcl {
		b.Bits(1) // low_delay_hrd_flag
	}
	pic := b.Flag()
	if b.Bad() {
		s.cpbDpbDelays = false
		return
	}
	s.cpbDpbDelays, s.PicStructPresent = nal || vcl, pic
	if b.Flag() { // bitstream_restriction_flag
		b.Bits(1) // motion_vectors_over_pic_boundaries_flag
		for range 4 {
			b.UE() // max_bytes_per_pic_denom, max_bits_per_mb_denom, log2_max_mv_length_*
		}
		reorder := b.UE()
		b.UE() // max_dec_frame_buffering
		if !b.Bad() && reorder <= 16 {
			s.MaxNumReorderFrames = int(reorder)
		}
	}
}

// parseHRD reads hrd_parameters() (§E.1.2) for the delay field lengths of
// picture timing SEI.
func (s *SPS) parseHRD(b *bitstream.Reader) {
	n := b.UE() // cpb_cnt_minus1
	if n > 31 {
		b.Fail()
		return
	}
	b.Bits(8) // bit_rate_scale, cpb_size_scale
	for range n + 1 {
		b.UE()    // bit_rate_value_minus1
		b.UE()    // cpb_size_value_minus1
		b.Bits(1) // cbr_flag
	}
	b.Bits(5) // initial_cpb_removal_delay_length_minus1
	s.cpbRemovalDelayLen = int(b.Bits(5)) + 1
	s.dpbOutputDelayLen = int(b.Bits(5)) + 1
	b.Bits(5) // time_offset_length
}

// FrameRate is the frame rate the VUI timing gives, time_scale /
// (2 * num_units_in_tick), as ffmpeg reads it; ok is false without timing.
func (s *SPS) FrameRate() (r Rational, ok bool) {
	if !s.TimingInfo {
		return Rational{}, false
	}
	return Rational{Num: s.TimeScale, Den: s.NumUnitsInTick}.mul2den(), true
}

// ProfileLevelID is the SDP profile-level-id of the stream (RFC 6184
// §8.1) in lowercase hex, with its profile in the form WebRTC peers offer
// (42e0 Constrained Baseline, 4200 Baseline, 4d00 Main, 640c Constrained
// High, 6400 High) and the SPS's level. Answerers such as pion match the
// profile bytes exactly, and an encoder's other constraint flags (x264
// writes 42c0 and 4d40) would match nothing a viewer offers. Other
// profiles keep the SPS's bytes.
func ProfileLevelID(s *SPS) string {
	profile, constraints := s.ProfileIDC, s.Constraints
	switch {
	case profile == 66 && constraints&0x40 != 0: // constraint_set1: Constrained Baseline
		constraints = 0xe0
	case profile == 66:
		constraints = 0
	case profile == 77:
		constraints = 0
	case profile == 100 && constraints&0x0c == 0x0c: // constraint_set4 and 5
		constraints = 0x0c
	case profile == 100:
		constraints = 0
	}
	return fmt.Sprintf("%02x%02x%02x", profile, constraints, s.LevelIDC)
}

// Fmtp is the SDP a=fmtp parameter line for sending the stream with
// packetization mode 1 (single NAL units, STAP-A and FU-A), the mode every
// WebRTC implementation supports.
func Fmtp(s *SPS) string {
	return "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=" + ProfileLevelID(s)
}
