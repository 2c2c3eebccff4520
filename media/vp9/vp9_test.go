package vp9

import (
	"bytes"
	"testing"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// vp9Key builds the start of a VP9 keyframe header for a profile and color
// space, padded with zero bytes standing in for the compressed data.
func vp9Key(profile, colorSpace int, w, h int) []byte {
	b := &mediatest.BitWriter{}
	b.U(2, 2).U(1, uint32(profile&1)).U(1, uint32(profile>>1))
	if profile == 3 {
		b.U(1, 0)
	}
	b.U(1, 0)         // show_existing_frame
	b.U(1, 0)         // frame_type KEY_FRAME
	b.U(1, 1).U(1, 0) // show_frame, error_resilient_mode
	b.U(24, 0x498342) // sync code
	if profile >= 2 {
		b.U(1, 1) // ten_or_twelve_bit
	}
	b.U(3, uint32(colorSpace))
	if colorSpace != 7 {
		b.U(1, 0)
		if profile == 1 || profile == 3 {
			b.U(1, 0).U(1, 0).U(1, 0)
		}
	} else if profile == 1 || profile == 3 {
		b.U(1, 0)
	}
	b.U(16, uint32(w-1)).U(16, uint32(h-1))
	return append(b.Bytes(), make([]byte, 8)...)
}

func vp9Inter() []byte {
	b := &mediatest.BitWriter{}
	b.U(2, 2).U(2, 0).U(1, 0).U(1, 1).U(1, 1).U(1, 0)
	return append(b.Bytes(), make([]byte, 8)...)
}

// superframe joins frames with a superframe index of 2-byte sizes.
func superframe(frames ...[]byte) []byte {
	marker := byte(0xc0 | 1<<3 | (len(frames) - 1))
	var out []byte
	for _, f := range frames {
		out = append(out, f...)
	}
	out = append(out, marker)
	for _, f := range frames {
		out = append(out, byte(len(f)), byte(len(f)>>8))
	}
	return append(out, marker)
}

func TestFrameSize(t *testing.T) {
	key := vp9Key(0, 1, 1280, 720)
	mediatest.CheckHeaders(t, FrameSize, IsKeyframe, []mediatest.HeaderCase{
		{Name: "profile 0", Frame: key, W: 1280, H: 720, Sized: true, Key: true},
		{Name: "profile 1 4:4:4", Frame: vp9Key(1, 2, 33, 17), W: 33, H: 17, Sized: true, Key: true},
		{Name: "profile 2 10-bit", Frame: vp9Key(2, 1, 1920, 1080), W: 1920, H: 1080, Sized: true, Key: true},
		{Name: "profile 3 12-bit 4:4:4", Frame: vp9Key(3, 1, 4096, 2160), W: 4096, H: 2160, Sized: true, Key: true},
		{Name: "profile 1 RGB", Frame: vp9Key(1, 7, 640, 480), W: 640, H: 480, Sized: true, Key: true},
		{Name: "profile 0 RGB", Frame: vp9Key(0, 7, 64, 48), W: 64, H: 48, Sized: true, Key: true},
		{Name: "max size", Frame: vp9Key(0, 1, 65536, 65536), W: 65536, H: 65536, Sized: true, Key: true},
		{Name: "inter frame", Frame: vp9Inter()},
		{Name: "superframe, keyframe first", Frame: superframe(key, vp9Inter()), W: 1280, H: 720, Sized: true, Key: true},
		{Name: "superframe, keyframe second", Frame: superframe(vp9Inter(), key)},
		{Name: "show existing frame", Frame: []byte{0x88, 0}},
		{Name: "bad sync code", Frame: func() []byte { k := bytes.Clone(key); k[2] ^= 0xff; return k }()},
		{Name: "bad frame marker", Frame: []byte{0x00, 0, 0, 0}},
		{Name: "truncated", Frame: key[:6]},
		{Name: "superframe index with zero size", Frame: []byte{0x82, 0xc0, 0x00, 0xc0}},
		{Name: "superframe index past start", Frame: []byte{0xc0, 0xff, 0xc0}},
		{Name: "empty", Frame: nil},
		// The keyframe header of the synthetic streams media/rtpio sends, and
		// other headers as a receiver rebuilds them from RTP.
		{Name: "received key", Frame: []byte{0x82, 0x49, 0x83, 0x42, 0x00, 0x13, 0xf0, 0x0e, 0xf6, 0x02}, W: 320, H: 240, Sized: true, Key: true},
		{Name: "received inter", Frame: []byte{0x86, 0x00, 0x40, 0x92}},
		{Name: "received show existing", Frame: []byte{0x88}},
		{Name: "received garbage", Frame: []byte{0x00, 0x00}},
	})
}
