package av1

import (
	"bytes"
	"testing"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// seqOpts selects the optional parts of a synthetic sequence header.
type seqOpts struct {
	reducedStill  bool
	timing        bool // timing_info with equal_picture_interval
	decoderModel  bool
	displayDelay  bool
	opLevels      []int // seq_level_idx per operating point; > 7 adds a tier bit
	wBits, hBits  int
	width, height int
}

func seqHeader(o seqOpts) []byte {
	b := &mediatest.BitWriter{}
	b.U(3, 0) // seq_profile
	b.U(1, 0) // still_picture
	if o.reducedStill {
		b.U(1, 1).U(5, 31)
	} else {
		b.U(1, 0)
		b.Flag(o.timing)
		if o.timing {
			b.U(32, 1001).U(32, 60000)
			b.U(1, 1).U(5, 0b00101) // equal_picture_interval, uvlc(3)
			b.Flag(o.decoderModel)
			if o.decoderModel {
				b.U(5, 9).U(32, 90000).U(5, 4).U(5, 4) // buffer_delay_length 10 bits
			}
		}
		b.Flag(o.displayDelay)
		b.U(5, uint32(len(o.opLevels)-1))
		for _, lvl := range o.opLevels {
			b.U(12, 0x103).U(5, uint32(lvl))
			if lvl > 7 {
				b.U(1, 1)
			}
			if o.decoderModel {
				b.U(1, 1).U(10, 0x2aa).U(10, 0x155).U(1, 1)
			}
			if o.displayDelay {
				b.U(1, 1).U(4, 9)
			}
		}
	}
	b.U(4, uint32(o.wBits-1)).U(4, uint32(o.hBits-1))
	b.U(o.wBits, uint32(o.width-1)).U(o.hBits, uint32(o.height-1))
	b.U(8, 0xff) // the rest of the header (flags) we never read
	return b.Bytes()
}

// obu frames payload as an OBU with a size field and optional extension.
func obu(typ int, ext bool, payload []byte) []byte {
	out := []byte{byte(typ<<3 | 0x02)}
	if ext {
		out[0] |= 0x04
		out = append(out, 0x08) // temporal_id 0, spatial_id 1
	}
	return append(AppendLEB128(out, uint64(len(payload))), payload...)
}

var (
	av1TD       = []byte{0x12, 0x00}
	av1KeyHdr   = []byte{0x10, 0, 0, 0} // show_existing_frame 0, frame_type 0 (KEY_FRAME)
	av1InterHdr = []byte{0x30, 0, 0, 0} // frame_type 1 (INTER_FRAME)
)

func tu(obus ...[]byte) []byte { return bytes.Join(obus, nil) }

func TestFrameSize(t *testing.T) {
	plain := seqHeader(seqOpts{opLevels: []int{8}, wBits: 11, hBits: 11, width: 1280, height: 720})
	mediatest.CheckHeaders(t, FrameSize, IsKeyframe, []mediatest.HeaderCase{
		{Name: "plain", Frame: tu(av1TD, obu(1, false, plain), obu(6, false, av1KeyHdr)), W: 1280, H: 720, Sized: true, Key: true},
		{Name: "frame header OBU", Frame: tu(av1TD, obu(1, false, plain), obu(3, false, av1KeyHdr), obu(4, false, []byte{1})), W: 1280, H: 720, Sized: true, Key: true},
		{Name: "no temporal delimiter", Frame: tu(obu(1, false, plain), obu(6, false, av1KeyHdr)), W: 1280, H: 720, Sized: true, Key: true},
		{Name: "timing, decoder model, 3 operating points", Frame: tu(av1TD, obu(1, false, seqHeader(seqOpts{
			timing: true, decoderModel: true, displayDelay: true, opLevels: []int{12, 5, 9},
			wBits: 16, hBits: 16, width: 3840, height: 2160,
		})), obu(6, true, av1KeyHdr)), W: 3840, H: 2160, Sized: true, Key: true},
		{Name: "timing only", Frame: tu(av1TD, obu(1, false, seqHeader(seqOpts{
			timing: true, opLevels: []int{4}, wBits: 9, hBits: 8, width: 320, height: 180,
		})), obu(6, false, av1KeyHdr)), W: 320, H: 180, Sized: true, Key: true},
		{Name: "reduced still picture", Frame: tu(obu(1, false, seqHeader(seqOpts{
			reducedStill: true, wBits: 7, hBits: 7, width: 65, height: 127,
		})), obu(6, false, []byte{0xff})), W: 65, H: 127, Sized: true, Key: true},
		{Name: "last OBU without size field", Frame: tu(av1TD, obu(1, false, plain), []byte{0x30, 0x10, 0, 0}), W: 1280, H: 720, Sized: true, Key: true},
		{Name: "sequence header, inter frame", Frame: tu(av1TD, obu(1, false, plain), obu(6, false, av1InterHdr)), W: 1280, H: 720, Sized: true},
		{Name: "inter frame only", Frame: tu(av1TD, obu(6, false, av1InterHdr))},
		{Name: "show existing frame", Frame: tu(av1TD, obu(1, false, plain), obu(3, false, []byte{0x80})), W: 1280, H: 720, Sized: true},
		{Name: "truncated sequence header", Frame: tu(av1TD, obu(1, false, plain[:3]))},
		{Name: "OBU size past end", Frame: tu(av1TD, []byte{0x0a, 0x20, 1, 2})},
		{Name: "forbidden bit", Frame: tu(av1TD, []byte{0x8a, 0x00})},
		{Name: "bad leb128", Frame: tu(av1TD, []byte{0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01})},
		{Name: "leb128 over 2^32", Frame: tu([]byte{0x0a, 0x80, 0x80, 0x80, 0x80, 0x10})},
		{Name: "extension byte missing", Frame: []byte{0x0e}},
		{Name: "empty", Frame: nil},
	})
}

// TestIsKeyframeReceived: temporal units as a receiver rebuilds them from
// RTP, starting with a temporal delimiter.
func TestIsKeyframeReceived(t *testing.T) {
	// A libaom sequence header OBU, 320x240.
	seq := []byte{0x0a, 0x0b, 0x00, 0x00, 0x00, 0x04, 0x3c, 0xff, 0xbc, 0xda, 0xf9, 0x00, 0x40}
	reducedSeq := obu(1, false, []byte{0x18, 0x00, 0x00}) // still_picture, reduced_still_picture_header, 1x1
	keyFrame := obu(6, false, []byte{0x10, 0xaa})         // KEY_FRAME, show_frame
	mediatest.CheckHeaders(t, FrameSize, IsKeyframe, []mediatest.HeaderCase{
		{Name: "key", Frame: tu(av1TD, seq, keyFrame), W: 320, H: 240, Sized: true, Key: true},
		{Name: "key, frame header OBU", Frame: tu(av1TD, seq, obu(5, false, []byte{0x01, 0x02}), obu(3, false, []byte{0x10})), W: 320, H: 240, Sized: true, Key: true},
		{Name: "key without sequence header", Frame: tu(av1TD, keyFrame)},
		{Name: "inter after sequence header", Frame: tu(av1TD, seq, obu(6, false, []byte{0x30, 0xaa})), W: 320, H: 240, Sized: true},
		{Name: "intra only", Frame: tu(av1TD, seq, obu(6, false, []byte{0x50, 0xaa})), W: 320, H: 240, Sized: true},
		{Name: "show existing", Frame: tu(av1TD, seq, obu(3, false, []byte{0xb8})), W: 320, H: 240, Sized: true},
		{Name: "reduced still picture", Frame: tu(av1TD, reducedSeq, obu(6, false, []byte{0xff})), W: 1, H: 1, Sized: true, Key: true},
		{Name: "truncated OBU", Frame: tu(av1TD, seq, keyFrame[:2])},
		// The last OBU may go without a size field (AV1 spec 5.3, and the
		// Matroska and ISOBMFF mappings); pion's depacketizer writes one.
		{Name: "last OBU without size field", Frame: tu(av1TD, seq, []byte{0x30, 0x10}), W: 320, H: 240, Sized: true, Key: true},
		{Name: "empty OBUs", Frame: tu(av1TD, obu(15, false, nil), seq, keyFrame), W: 320, H: 240, Sized: true, Key: true},
		// A sequence header too short for the frame size is no sequence
		// header: no decoder can start there.
		{Name: "reduced still picture, header cut", Frame: tu(av1TD, obu(1, false, []byte{0x18, 0x00}), obu(6, false, []byte{0xff}))},
	})
}

func TestLEB128(t *testing.T) {
	for _, v := range []uint64{0, 1, 127, 128, 300, 1<<14 - 1, 1 << 14, 1<<32 - 1} {
		b := AppendLEB128(nil, v)
		if got, n := ReadLEB128(append(b, 0xff)); got != v || n != len(b) {
			t.Errorf("%d: encoded % x, read back %d in %d bytes", v, b, got, n)
		}
	}
	for _, bad := range [][]byte{
		nil,
		{0x80},                         // ends inside the value
		{0x80, 0x80, 0x80, 0x80, 0x10}, // 2^32
		{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, // over 8 bytes
	} {
		if v, n := ReadLEB128(bad); n != 0 {
			t.Errorf("% x: read %d in %d bytes, want invalid", bad, v, n)
		}
	}
	// Padded encodings are valid: senders may use a fixed width.
	if v, n := ReadLEB128([]byte{0x83, 0x80, 0x00}); v != 3 || n != 3 {
		t.Errorf("padded 3: %d in %d bytes", v, n)
	}
}

func TestNextOBU(t *testing.T) {
	unit := tu(obu(1, true, []byte{1, 2, 3}), []byte{0x30, 0x10, 0x20})
	o, rest, ok := NextOBU(unit)
	if !ok || o.Type != OBUSequenceHeader || !bytes.Equal(o.Header, []byte{0x0e, 0x08}) ||
		!bytes.Equal(o.Payload, []byte{1, 2, 3}) || !bytes.Equal(o.Raw, unit[:6]) {
		t.Fatalf("first OBU %+v, %v", o, ok)
	}
	o, rest, ok = NextOBU(rest)
	if !ok || o.Type != OBUFrame || !bytes.Equal(o.Header, []byte{0x30}) ||
		!bytes.Equal(o.Payload, []byte{0x10, 0x20}) || len(rest) != 0 {
		t.Fatalf("last OBU, without size field: %+v, %v, rest % x", o, ok, rest)
	}
	for _, bad := range [][]byte{nil, {0x8a, 0x00}, {0x0e}, {0x0a, 0x05, 1}} {
		if _, _, ok := NextOBU(bad); ok {
			t.Errorf("% x: ok", bad)
		}
	}
}
