package ivf

import (
	"testing"
)

// vp8Key is a VP8 keyframe header of the given size; media/vp8 has the
// cases of the header itself.
func vp8Key(w, h int) []byte {
	return []byte{0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, byte(w), byte(w >> 8), byte(h), byte(h>>8) | 0x40, 0, 0}
}

// TestFrameSizeFourCC: each FourCC reaches its codec; the real files in
// TestReaderFixtures and TestReaderMatchesFFprobe check every codec's
// sizes and keyframes.
func TestFrameSizeFourCC(t *testing.T) {
	if w, h, ok := FrameSize("VP80", vp8Key(640, 360)); !ok || w != 640 || h != 360 {
		t.Errorf("VP80: %d, %d, %v", w, h, ok)
	}
	if !isKeyframe("VP80", vp8Key(640, 360)) {
		t.Error("VP80: not a keyframe")
	}
	for _, cc := range []string{"VP90", "AV01"} {
		if _, _, ok := FrameSize(cc, vp8Key(1, 1)); ok || isKeyframe(cc, vp8Key(1, 1)) {
			t.Errorf("%s took a VP8 keyframe", cc)
		}
	}
}

func TestFrameSizeUnknownCodec(t *testing.T) {
	if _, _, ok := FrameSize("H264", vp8Key(1, 1)); ok {
		t.Error("FrameSize accepted an unknown FourCC")
	}
	if isKeyframe("H264", vp8Key(1, 1)) {
		t.Error("an unknown FourCC gave a keyframe")
	}
}
