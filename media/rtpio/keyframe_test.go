package rtpio

import "testing"

// TestKeyframeDetection covers the bitstream checks beyond what the real
// encodes in testdata exercise (those check every frame of three files).
func TestKeyframeDetection(t *testing.T) {
	td := temporalDelimiter
	unit := func(obus ...[]byte) []byte {
		out := append([]byte(nil), td...)
		for _, o := range obus {
			out = append(out, o...)
		}

		return out
	}
	seqHdr := av1SeqHeader
	reducedSeqHdr := appendOBU(nil, 1, []byte{0x18, 0x00}) // still_picture, reduced_still_picture_header
	keyFrame := appendOBU(nil, 6, []byte{0x10, 0xaa})      // KEY_FRAME, show_frame
	keyHeader := appendOBU(nil, 3, []byte{0x10})           // frame header OBU, KEY_FRAME
	interFrame := appendOBU(nil, 6, []byte{0x30, 0xaa})
	intraOnly := appendOBU(nil, 6, []byte{0x50, 0xaa})
	showExisting := appendOBU(nil, 3, []byte{0xb8})
	metadata := appendOBU(nil, 5, []byte{0x01, 0x02})

	for _, c := range []struct {
		name string
		key  func([]byte) bool
		data []byte
		want bool
	}{
		{"vp8 key", vp8Keyframe, []byte{0x70, 0x6e, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00}, true},
		{"vp8 inter", vp8Keyframe, []byte{0x71, 0x6e, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00}, false},
		{"vp8 no start code", vp8Keyframe, []byte{0x70, 0x6e, 0x00, 0x9d, 0x01, 0x2b, 0x40, 0x01, 0xf0, 0x00}, false},
		{"vp8 short", vp8Keyframe, []byte{0x70, 0x6e, 0x00, 0x9d, 0x01, 0x2a}, false},
		{"vp9 key", vp9Keyframe, vp9KeyHeader, true},
		{"vp9 inter", vp9Keyframe, []byte{0x86, 0x00, 0x40, 0x92}, false},
		{"vp9 show existing", vp9Keyframe, []byte{0x88}, false},
		{"vp9 garbage", vp9Keyframe, []byte{0x00, 0x00}, false},
		{"av1 key", av1Keyframe, unit(seqHdr, keyFrame), true},
		{"av1 key, frame header OBU", av1Keyframe, unit(seqHdr, metadata, keyHeader), true},
		{"av1 key without sequence header", av1Keyframe, unit(keyFrame), false},
		{"av1 inter after sequence header", av1Keyframe, unit(seqHdr, interFrame), false},
		{"av1 intra only", av1Keyframe, unit(seqHdr, intraOnly), false},
		{"av1 show existing", av1Keyframe, unit(seqHdr, showExisting), false},
		{"av1 reduced still picture", av1Keyframe, unit(reducedSeqHdr, appendOBU(nil, 6, []byte{0xff})), true},
		{"av1 truncated OBU", av1Keyframe, unit(seqHdr, keyFrame[:2]), false},
		{"av1 OBU without size field", av1Keyframe, unit(seqHdr, []byte{0x30, 0x10}), false},
		{"av1 empty OBUs", av1Keyframe, unit(appendOBU(nil, 15, nil), seqHdr, keyFrame), true},
	} {
		if got := c.key(c.data); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
