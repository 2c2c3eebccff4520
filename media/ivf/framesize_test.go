package ivf

import (
	"bytes"
	"testing"
)

// bitWriter builds MSB-first bitstreams for synthetic headers.
type bitWriter struct {
	buf  []byte
	nbit int
}

func (w *bitWriter) put(v uint64, n int) *bitWriter {
	for i := n - 1; i >= 0; i-- {
		if w.nbit%8 == 0 {
			w.buf = append(w.buf, 0)
		}
		if v>>uint(i)&1 == 1 {
			w.buf[len(w.buf)-1] |= 0x80 >> uint(w.nbit%8)
		}
		w.nbit++
	}
	return w
}

func (w *bitWriter) bytes() []byte { return w.buf }

// vp9Key builds the start of a VP9 keyframe header for a profile and color
// space, padded with zero bytes standing in for the compressed data.
func vp9Key(profile, colorSpace int, w, h int) []byte {
	b := &bitWriter{}
	b.put(2, 2).put(uint64(profile&1), 1).put(uint64(profile>>1), 1)
	if profile == 3 {
		b.put(0, 1)
	}
	b.put(0, 1)           // show_existing_frame
	b.put(0, 1)           // frame_type KEY_FRAME
	b.put(1, 1).put(0, 1) // show_frame, error_resilient_mode
	b.put(0x498342, 24)   // sync code
	if profile >= 2 {
		b.put(1, 1) // ten_or_twelve_bit
	}
	b.put(uint64(colorSpace), 3)
	if colorSpace != 7 {
		b.put(0, 1)
		if profile == 1 || profile == 3 {
			b.put(0, 1).put(0, 1).put(0, 1)
		}
	} else if profile == 1 || profile == 3 {
		b.put(0, 1)
	}
	b.put(uint64(w-1), 16).put(uint64(h-1), 16)
	return append(b.bytes(), make([]byte, 8)...)
}

func vp9Inter() []byte {
	b := &bitWriter{}
	b.put(2, 2).put(0, 2).put(0, 1).put(1, 1).put(1, 1).put(0, 1)
	return append(b.bytes(), make([]byte, 8)...)
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

func vp8Key(w, h int) []byte {
	return []byte{0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, byte(w), byte(w >> 8), byte(h), byte(h>>8) | 0x40, 0, 0}
}

func TestFrameSizeVP8(t *testing.T) {
	tests := []struct {
		name  string
		frame []byte
		w, h  int
		ok    bool
	}{
		{"keyframe", vp8Key(640, 360), 640, 360, true},
		{"14-bit size, scale bits ignored", vp8Key(16383, 9), 16383, 9, true},
		{"interframe", []byte{0x51, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01}, 0, 0, false},
		{"bad start code", []byte{0x50, 0x42, 0x00, 0x9d, 0x01, 0x2b, 0x80, 0x02, 0x68, 0x01}, 0, 0, false},
		{"short", vp8Key(640, 360)[:9], 0, 0, false},
		{"zero width", vp8Key(0, 360), 0, 0, false},
		{"empty", nil, 0, 0, false},
	}
	for _, tt := range tests {
		w, h, ok := FrameSize("VP80", tt.frame)
		if ok != tt.ok || (ok && (w != tt.w || h != tt.h)) {
			t.Errorf("%s: FrameSize = %d, %d, %v; want %d, %d, %v", tt.name, w, h, ok, tt.w, tt.h, tt.ok)
		}
		if IsKeyframe("VP80", tt.frame) != tt.ok {
			t.Errorf("%s: IsKeyframe = %v", tt.name, !tt.ok)
		}
	}
}

func TestFrameSizeVP9(t *testing.T) {
	key := vp9Key(0, 1, 1280, 720)
	tests := []struct {
		name  string
		frame []byte
		w, h  int
		ok    bool
	}{
		{"profile 0", key, 1280, 720, true},
		{"profile 1 4:4:4", vp9Key(1, 2, 33, 17), 33, 17, true},
		{"profile 2 10-bit", vp9Key(2, 1, 1920, 1080), 1920, 1080, true},
		{"profile 3 12-bit 4:4:4", vp9Key(3, 1, 4096, 2160), 4096, 2160, true},
		{"profile 1 RGB", vp9Key(1, 7, 640, 480), 640, 480, true},
		{"profile 0 RGB", vp9Key(0, 7, 64, 48), 64, 48, true},
		{"max size", vp9Key(0, 1, 65536, 65536), 65536, 65536, true},
		{"inter frame", vp9Inter(), 0, 0, false},
		{"superframe, keyframe first", superframe(key, vp9Inter()), 1280, 720, true},
		{"superframe, keyframe second", superframe(vp9Inter(), key), 0, 0, false},
		{"show existing frame", []byte{0x88, 0}, 0, 0, false},
		{"bad sync code", func() []byte { k := bytes.Clone(key); k[2] ^= 0xff; return k }(), 0, 0, false},
		{"bad frame marker", []byte{0x00, 0, 0, 0}, 0, 0, false},
		{"truncated", key[:6], 0, 0, false},
		{"superframe index with zero size", []byte{0x82, 0xc0, 0x00, 0xc0}, 0, 0, false},
		{"superframe index past start", []byte{0xc0, 0xff, 0xc0}, 0, 0, false},
		{"empty", nil, 0, 0, false},
	}
	for _, tt := range tests {
		w, h, ok := FrameSize("VP90", tt.frame)
		if ok != tt.ok || (ok && (w != tt.w || h != tt.h)) {
			t.Errorf("%s: FrameSize = %d, %d, %v; want %d, %d, %v", tt.name, w, h, ok, tt.w, tt.h, tt.ok)
		}
		if IsKeyframe("VP90", tt.frame) != tt.ok {
			t.Errorf("%s: IsKeyframe = %v", tt.name, !tt.ok)
		}
	}
}

// av1SeqOpts selects the optional parts of a synthetic sequence header.
type av1SeqOpts struct {
	reducedStill  bool
	timing        bool // timing_info with equal_picture_interval
	decoderModel  bool
	displayDelay  bool
	opLevels      []int // seq_level_idx per operating point; > 7 adds a tier bit
	wBits, hBits  int
	width, height int
}

func av1SeqHeader(o av1SeqOpts) []byte {
	b := &bitWriter{}
	b.put(0, 3) // seq_profile
	b.put(0, 1) // still_picture
	if o.reducedStill {
		b.put(1, 1).put(31, 5)
	} else {
		b.put(0, 1)
		b.put(btoi(o.timing), 1)
		if o.timing {
			b.put(1001, 32).put(60000, 32)
			b.put(1, 1).put(0b00101, 5) // equal_picture_interval, uvlc(3)
			b.put(btoi(o.decoderModel), 1)
			if o.decoderModel {
				b.put(9, 5).put(90000, 32).put(4, 5).put(4, 5) // buffer_delay_length 10 bits
			}
		}
		b.put(btoi(o.displayDelay), 1)
		b.put(uint64(len(o.opLevels)-1), 5)
		for _, lvl := range o.opLevels {
			b.put(0x103, 12).put(uint64(lvl), 5)
			if lvl > 7 {
				b.put(1, 1)
			}
			if o.decoderModel {
				b.put(1, 1).put(0x2aa, 10).put(0x155, 10).put(1, 1)
			}
			if o.displayDelay {
				b.put(1, 1).put(9, 4)
			}
		}
	}
	b.put(uint64(o.wBits-1), 4).put(uint64(o.hBits-1), 4)
	b.put(uint64(o.width-1), o.wBits).put(uint64(o.height-1), o.hBits)
	b.put(0xff, 8) // the rest of the header (flags) we never read
	return b.bytes()
}

func btoi(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// obu frames payload as an OBU with a size field and optional extension.
func obu(typ int, ext bool, payload []byte) []byte {
	h := byte(typ<<3 | 0x02)
	out := []byte{h}
	if ext {
		out[0] |= 0x04
		out = append(out, 0x08) // temporal_id 0, spatial_id 1
	}
	for n := len(payload); ; n >>= 7 {
		if n < 0x80 {
			out = append(out, byte(n))
			break
		}
		out = append(out, byte(n&0x7f|0x80))
	}
	return append(out, payload...)
}

var (
	av1TD       = []byte{0x12, 0x00}
	av1KeyHdr   = []byte{0x10, 0, 0, 0} // show_existing_frame 0, frame_type 0 (KEY_FRAME)
	av1InterHdr = []byte{0x30, 0, 0, 0} // frame_type 1 (INTER_FRAME)
)

func tu(obus ...[]byte) []byte { return bytes.Join(obus, nil) }

func TestFrameSizeAV1(t *testing.T) {
	plain := av1SeqHeader(av1SeqOpts{opLevels: []int{8}, wBits: 11, hBits: 11, width: 1280, height: 720})
	tests := []struct {
		name string
		tu   []byte
		w, h int
		ok   bool // FrameSize ok
		key  bool
	}{
		{"plain", tu(av1TD, obu(1, false, plain), obu(6, false, av1KeyHdr)), 1280, 720, true, true},
		{"frame header OBU", tu(av1TD, obu(1, false, plain), obu(3, false, av1KeyHdr), obu(4, false, []byte{1})), 1280, 720, true, true},
		{"no temporal delimiter", tu(obu(1, false, plain), obu(6, false, av1KeyHdr)), 1280, 720, true, true},
		{"timing, decoder model, 3 operating points", tu(av1TD, obu(1, false, av1SeqHeader(av1SeqOpts{
			timing: true, decoderModel: true, displayDelay: true, opLevels: []int{12, 5, 9},
			wBits: 16, hBits: 16, width: 3840, height: 2160,
		})), obu(6, true, av1KeyHdr)), 3840, 2160, true, true},
		{"timing only", tu(av1TD, obu(1, false, av1SeqHeader(av1SeqOpts{
			timing: true, opLevels: []int{4}, wBits: 9, hBits: 8, width: 320, height: 180,
		})), obu(6, false, av1KeyHdr)), 320, 180, true, true},
		{"reduced still picture", tu(obu(1, false, av1SeqHeader(av1SeqOpts{
			reducedStill: true, wBits: 7, hBits: 7, width: 65, height: 127,
		})), obu(6, false, []byte{0xff})), 65, 127, true, true},
		{"last OBU without size field", tu(av1TD, obu(1, false, plain), []byte{0x30, 0x10, 0, 0}), 1280, 720, true, true},
		{"sequence header, inter frame", tu(av1TD, obu(1, false, plain), obu(6, false, av1InterHdr)), 1280, 720, true, false},
		{"inter frame only", tu(av1TD, obu(6, false, av1InterHdr)), 0, 0, false, false},
		{"show existing frame", tu(av1TD, obu(1, false, plain), obu(3, false, []byte{0x80})), 1280, 720, true, false},
		{"truncated sequence header", tu(av1TD, obu(1, false, plain[:3])), 0, 0, false, false},
		{"OBU size past end", tu(av1TD, []byte{0x0a, 0x20, 1, 2}), 0, 0, false, false},
		{"forbidden bit", tu(av1TD, []byte{0x8a, 0x00}), 0, 0, false, false},
		{"bad leb128", tu(av1TD, []byte{0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}), 0, 0, false, false},
		{"leb128 over 2^32", tu([]byte{0x0a, 0x80, 0x80, 0x80, 0x80, 0x10}), 0, 0, false, false},
		{"extension byte missing", []byte{0x0e}, 0, 0, false, false},
		{"empty", nil, 0, 0, false, false},
	}
	for _, tt := range tests {
		w, h, ok := FrameSize("AV01", tt.tu)
		if ok != tt.ok || (ok && (w != tt.w || h != tt.h)) {
			t.Errorf("%s: FrameSize = %d, %d, %v; want %d, %d, %v", tt.name, w, h, ok, tt.w, tt.h, tt.ok)
		}
		if got := IsKeyframe("AV01", tt.tu); got != tt.key {
			t.Errorf("%s: IsKeyframe = %v, want %v", tt.name, got, tt.key)
		}
	}
}

func TestFrameSizeUnknownCodec(t *testing.T) {
	if _, _, ok := FrameSize("H264", vp8Key(1, 1)); ok {
		t.Error("FrameSize accepted an unknown FourCC")
	}
	if IsKeyframe("H264", vp8Key(1, 1)) {
		t.Error("IsKeyframe accepted an unknown FourCC")
	}
}
