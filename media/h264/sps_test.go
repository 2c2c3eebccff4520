package h264

import (
	"encoding/hex"
	"errors"
	"testing"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParseSPS parses SPS NAL units from real x264 encodes (made with
// ffmpeg 5.1 / x264 core 164, the command in each comment, then -frames:v 2
// -f h264); the expected values are what ffmpeg's trace_headers bitstream
// filter prints for the same bytes.
func TestParseSPS(t *testing.T) {
	for _, c := range []struct {
		name, hex      string
		profile, cons  uint8
		level          uint8
		chroma, depth  int
		w, h           int
		units, scale   uint32
		fixed, field   bool
		reorder        int
		profileLevelID string
	}{
		// testdata/h264.h264: -profile:v baseline, 320x240, 25 fps
		{"baseline", "6742c00dd90141fb011000000300100000030320f142a480",
			66, 0xc0, 13, 1, 8, 320, 240, 1, 50, false, false, 0, "42e00d"},
		// -preset veryfast -profile:v main -bf 0, 1920x1080 (cropped from
		// 1088), 30000/1001 fps
		{"main 1080p", "674d4028da01e0089f97011000003e90000ea600f1832a",
			77, 0x40, 40, 1, 8, 1920, 1080, 1001, 60000, false, false, 0, "4d0028"},
		// -profile:v high from a 1/1000 variable-rate timebase: time_scale
		// 2000, fixed_frame_rate_flag 0
		{"high vfr", "6764001facd9405005bb0110000003001000007d00f1831960",
			100, 0, 31, 1, 8, 1280, 720, 1, 2000, false, false, 2, "64001f"},
		// -pix_fmt yuv422p10le -profile:v high422, 642x362: cropping in
		// both directions with 4:2:2 crop units
		{"high 4:2:2 10-bit odd size", "677a001fb6cd940a42fe227c0440000003004000001903c60c6580",
			122, 0, 31, 2, 10, 642, 362, 1, 100, false, false, 2, "7a001f"},
		// -pix_fmt yuv444p -profile:v high444, 60 fps
		{"high 4:4:4", "67f4000c919b28589d8088000003000800000303c078a14cb0",
			244, 0, 12, 3, 8, 176, 144, 1, 120, false, false, 2, "f4000c"},
		// -x264-params nal-hrd=cbr:force-cfr=1: HRD parameters before
		// bitstream_restriction, fixed_frame_rate_flag 1
		{"nal hrd", "6764000dacd94141fb01100000030010000003032e0200124f000493f930c01e28532c",
			100, 0, 13, 1, 8, 320, 240, 1, 50, true, false, 2, "64000d"},
		// -profile:v main -bf 3
		{"main with B-frames", "674d400deca0a0fd80880000030008000003019078a14cb0",
			77, 0x40, 13, 1, 8, 320, 240, 1, 50, false, false, 2, "4d000d"},
		// testdata/h264-interlaced.h264: MBAFF, 24000/1001 fps, pic_struct
		{"high interlaced", "67640015ace40a23f7808800001f480005dc04f8a15240",
			100, 0, 21, 1, 8, 160, 120, 1001, 48000, true, true, 0, "640015"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := ParseSPS(mustHex(t, c.hex))
			if err != nil {
				t.Fatal(err)
			}
			if s.ProfileIDC != c.profile || s.Constraints != c.cons || s.LevelIDC != c.level {
				t.Errorf("profile %d constraints %#x level %d", s.ProfileIDC, s.Constraints, s.LevelIDC)
			}
			if int(s.ChromaFormatIDC) != c.chroma || s.BitDepthLuma != c.depth || s.BitDepthChroma != c.depth {
				t.Errorf("chroma_format_idc %d, bit depth %d/%d", s.ChromaFormatIDC, s.BitDepthLuma, s.BitDepthChroma)
			}
			if s.Width != c.w || s.Height != c.h {
				t.Errorf("size %dx%d, want %dx%d", s.Width, s.Height, c.w, c.h)
			}
			if !s.TimingInfo || s.NumUnitsInTick != c.units || s.TimeScale != c.scale || s.FixedFrameRate != c.fixed {
				t.Errorf("timing %v %d/%d fixed %v", s.TimingInfo, s.NumUnitsInTick, s.TimeScale, s.FixedFrameRate)
			}
			if s.FrameMbsOnly == c.field {
				t.Errorf("frame_mbs_only_flag %v", s.FrameMbsOnly)
			}
			if s.MaxNumReorderFrames != c.reorder {
				t.Errorf("max_num_reorder_frames %d, want %d", s.MaxNumReorderFrames, c.reorder)
			}
			if got := ProfileLevelID(s); got != c.profileLevelID {
				t.Errorf("ProfileLevelID %s, want %s", got, c.profileLevelID)
			}
			want := "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=" + c.profileLevelID
			if got := Fmtp(s); got != want {
				t.Errorf("Fmtp %q", got)
			}
		})
	}
}

// TestParseSPSSynthetic covers what x264 does not write: scaling matrices,
// picture order count type 1, field coding with 4:2:0 crop units, SAR and
// colour description, two CPBs, no VUI at all. The first conf's bytes were
// checked with ffmpeg's trace_headers, which reads the same values.
func TestParseSPSSynthetic(t *testing.T) {
	for _, c := range []struct {
		name    string
		conf    spsConf
		w, h    int
		reorder int
		delays  bool
	}{
		{"scaling lists, poc 1, fields, hrd", spsConf{profile: 100, level: 30, chroma: 1, scaling: true, pocType: 1,
			fieldCoding: true, wMbs: 21, hMapUnits: 8, crop: [4]uint32{1, 2, 3, 4}, timing: true, units: 1001,
			scale: 60000, fixed: true, nalHRD: true, picStruct: true, reorder: 0}, 346, 260, 0, true},
		{"no vui", spsConf{profile: 66, level: 30, wMbs: 10, hMapUnits: 8, reorder: -1, pocType: 2}, 176, 144, -1, false},
		{"monochrome", spsConf{profile: 100, chroma: 0, wMbs: 0, hMapUnits: 0, crop: [4]uint32{1, 1, 2, 2}, reorder: -1}, 14, 12, -1, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := ParseSPS(c.conf.nal())
			if err != nil {
				t.Fatal(err)
			}
			if s.Width != c.w || s.Height != c.h || s.MaxNumReorderFrames != c.reorder || s.cpbDpbDelays != c.delays {
				t.Errorf("%dx%d reorder %d delays %v", s.Width, s.Height, s.MaxNumReorderFrames, s.cpbDpbDelays)
			}
			if c.delays && (s.cpbRemovalDelayLen != 10 || s.dpbOutputDelayLen != 6 || !s.PicStructPresent) {
				t.Errorf("delay lengths %d/%d, pic_struct %v", s.cpbRemovalDelayLen, s.dpbOutputDelayLen, s.PicStructPresent)
			}
			if _, ok := s.FrameRate(); ok != c.conf.timing {
				t.Errorf("FrameRate ok %v", ok)
			}
		})
	}
}

func TestParseSPSErrors(t *testing.T) {
	good := mustHex(t, "6742c00dd90141fb011000000300100000030320f142a480")
	big := spsConf{profile: 66, wMbs: 1 << 17, hMapUnits: 1, reorder: -1}
	overCrop := spsConf{profile: 66, wMbs: 0, hMapUnits: 0, crop: [4]uint32{4, 4, 0, 0}, reorder: -1}
	for _, c := range []struct {
		name string
		nal  []byte
	}{
		{"empty", nil},
		{"not an SPS", []byte{0x68, 0xce, 0x38, 0x80}},
		{"cut after the level", good[:4]},
		{"cut in the size", good[:7]},
		{"absurd size", big.nal()},
		{"cropped away", overCrop.nal()},
		{"sps id 32", func() []byte { var w bitWriter; w.U(24, 0x42c00d); w.UE(32); return w.nal(0x67) }()},
		{"poc type 3", func() []byte {
			var w bitWriter
			w.U(24, 0x42c00d)
			w.UE(0)
			w.UE(0)
			w.UE(3)
			return w.nal(0x67)
		}()},
	} {
		if s, err := ParseSPS(c.nal); !errors.Is(err, ErrBadSPS) {
			t.Errorf("%s: %+v, %v", c.name, s, err)
		}
	}
	// A VUI cut short keeps what came before the cut.
	cut := good[:len(good)-2] // in bitstream_restriction
	s, err := ParseSPS(cut)
	if err != nil || s.NumUnitsInTick != 1 || s.TimeScale != 50 || s.MaxNumReorderFrames != -1 {
		t.Errorf("VUI cut short: %+v, %v", s, err)
	}
}

func TestFrameRate(t *testing.T) {
	for _, c := range []struct {
		units, scale uint32
		want         Rational
	}{
		{1, 50, Rational{25, 1}},
		{1001, 60000, Rational{30000, 1001}},
		{1001, 48000, Rational{24000, 1001}},
		{1, 2000, Rational{1000, 1}},
		{3, 1, Rational{1, 6}},
		{1 << 31, 1<<32 - 1, Rational{1<<31 - 1, 1 << 31}}, // 2*units overflows 32 bits: both halved
	} {
		s := SPS{TimingInfo: true, NumUnitsInTick: c.units, TimeScale: c.scale}
		if got, ok := s.FrameRate(); !ok || got != c.want {
			t.Errorf("%d/%d: %v, want %v", c.units, c.scale, got, c.want)
		}
	}
}
