package vp8

import (
	"testing"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

func vp8Key(w, h int) []byte {
	return []byte{0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, byte(w), byte(w >> 8), byte(h), byte(h>>8) | 0x40, 0, 0}
}

func TestFrameSize(t *testing.T) {
	mediatest.CheckHeaders(t, FrameSize, IsKeyframe, []mediatest.HeaderCase{
		{Name: "keyframe", Frame: vp8Key(640, 360), W: 640, H: 360, Sized: true, Key: true},
		{Name: "14-bit size, scale bits ignored", Frame: vp8Key(16383, 9), W: 16383, H: 9, Sized: true, Key: true},
		{Name: "interframe", Frame: []byte{0x51, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01}},
		{Name: "bad start code", Frame: []byte{0x50, 0x42, 0x00, 0x9d, 0x01, 0x2b, 0x80, 0x02, 0x68, 0x01}},
		{Name: "short", Frame: vp8Key(640, 360)[:9]},
		{Name: "zero width", Frame: vp8Key(0, 360)},
		{Name: "empty", Frame: nil},
		// Frames as a receiver rebuilds them from RTP.
		{Name: "received key", Frame: []byte{0x70, 0x6e, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00}, W: 320, H: 240, Sized: true, Key: true},
		{Name: "received inter", Frame: []byte{0x71, 0x6e, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00}},
		{Name: "received, no start code", Frame: []byte{0x70, 0x6e, 0x00, 0x9d, 0x01, 0x2b, 0x40, 0x01, 0xf0, 0x00}},
		{Name: "received, short", Frame: []byte{0x70, 0x6e, 0x00, 0x9d, 0x01, 0x2a}},
	})
}
