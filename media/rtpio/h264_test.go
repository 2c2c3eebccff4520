package rtpio

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"github.com/webrtc-cli/webrtc-cli/media"
)

func annexB(nals ...[]byte) []byte {
	var b []byte
	for _, n := range nals {
		b = append(append(b, 0, 0, 0, 1), n...)
	}
	return b
}

func nalOf(header byte, size int) []byte {
	n := bytes.Repeat([]byte{0xab}, size)
	n[0] = header
	return n
}

var (
	testIDR   = nalOf(0x65, 3000)
	testP     = nalOf(0x41, 500)
	testSEI   = []byte{0x06, 0x05, 0x01, 0xaa, 0x80}
	testAUD   = []byte{0x09, 0xf0}
	testFill  = []byte{0x0c, 0xff, 0xff, 0x80}
	testPPS2  = []byte{0x68, 0xce, 0x38, 0x80}
	bigSPSNAL = nalOf(0x67, 200)
)

// TestPionH264Payloader pins the pion behaviours h264Payloader works
// around; if one fails, pion changed and the workaround may go.
func TestPionH264Payloader(t *testing.T) {
	types := func(payloads [][]byte) []byte {
		var out []byte
		for _, p := range payloads {
			out = append(out, p[0]&h264TypeMask)
		}
		return out
	}
	var p codecs.H264Payloader
	// An SPS without a PPS is held back, into the next call.
	if got := types(p.Payload(1200, annexB(h264SPSNAL, testP))); !bytes.Equal(got, []byte{1}) {
		t.Errorf("SPS without PPS: types %v; pion no longer holds it back", got)
	}
	if got := types(p.Payload(1200, annexB(h264PPSNAL, testP))); !bytes.Equal(got, []byte{h264StapA, 1}) {
		t.Errorf("held SPS not sent with the next PPS: %v", got)
	}
	// A STAP-A over the MTU vanishes.
	p = codecs.H264Payloader{}
	if got := types(p.Payload(150, annexB(bigSPSNAL, h264PPSNAL, testP))); len(got) == 0 || got[0] == h264StapA || got[0] == h264SPS {
		t.Errorf("oversized STAP-A: types %v; pion now sends the parameter sets", got)
	}
	// Access unit delimiters and filler data are not sent.
	p = codecs.H264Payloader{}
	if got := types(p.Payload(1200, annexB(testAUD, testP, testFill))); !bytes.Equal(got, []byte{1}) {
		t.Errorf("AUD and filler: types %v", got)
	}
	// A NAL unit of a type RTP reserves goes out as it is.
	p = codecs.H264Payloader{}
	if got := types(p.Payload(1200, annexB([]byte{0x78, 1, 2, 3}))); !bytes.Equal(got, []byte{h264StapA}) {
		t.Errorf("type 24 NAL unit: %v", got)
	}
}

// TestPionH264PacketFUA pins why rules_h264.go rebuilds frames itself:
// pion's H264Packet joins whatever FU-A fragments it gets into one NAL
// unit, across a lost one and across frames.
func TestPionH264PacketFUA(t *testing.T) {
	start := []byte{0x7c, 0x85, 1, 2}
	middle := []byte{0x7c, 0x05, 3, 4}
	end := []byte{0x7c, 0x45, 5, 6}
	var d codecs.H264Packet
	for _, p := range [][]byte{start, end} { // middle lost
		out, err := d.Unmarshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) > 0 && !bytes.Equal(out, []byte{0, 0, 0, 1, 0x65, 1, 2, 5, 6}) {
			t.Fatalf("% x", out)
		}
	}
	d = codecs.H264Packet{}
	d.Unmarshal(start) // the rest of this one never comes
	out, _ := d.Unmarshal(append(append([]byte(nil), start...), 0x45))
	out, _ = d.Unmarshal(middle)
	out, _ = d.Unmarshal(end)
	if !bytes.Equal(out, []byte{0, 0, 0, 1, 0x65, 1, 2, 1, 2, 0x45, 3, 4, 5, 6}) {
		t.Errorf("pion no longer glues an unfinished NAL unit to the next: % x", out)
	}
}

// TestH264Packetize sends access units and rebuilds them: the packets
// keep the MTU and the marker rule, parameter sets go as one STAP-A when
// pion can do it right, and the frame comes back identical but for what
// no payloader sends (AUD, filler) and 3-byte start codes widened.
func TestH264Packetize(t *testing.T) {
	sps, pps := h264SPSNAL, h264PPSNAL
	for _, c := range []struct {
		name  string
		mtu   int
		in    []byte
		want  []byte // nil: same as in
		types []byte // payload types of the packets, FU-A as 28
		key   bool   // an Assembler starts with it
	}{
		{"keyframe", 1200, annexB(sps, pps, testSEI, testIDR), nil, []byte{24, 6, 28, 28, 28}, true},
		{"inter", 1200, annexB(testP), nil, []byte{1}, false},
		{"slices", 300, annexB(testP, testP), nil, []byte{28, 28, 28, 28}, false},
		{"SPS alone", 1200, annexB(sps, testP), nil, []byte{7, 1}, false},
		{"PPS alone", 1200, annexB(pps, testIDR), nil, []byte{8, 28, 28, 28}, false},
		{"PPS before SPS", 1200, annexB(pps, sps, testIDR), nil, []byte{8, 7, 28, 28, 28}, false},
		{"two PPS", 1200, annexB(sps, pps, testPPS2, testIDR), nil, []byte{7, 8, 8, 28, 28, 28}, true},
		{"SEI between", 1200, annexB(sps, testSEI, pps, testIDR), nil, []byte{7, 6, 8, 28, 28, 28}, true},
		{"STAP-A over the MTU", 200, annexB(bigSPSNAL, pps, testP), nil, []byte{28, 28, 8, 28, 28, 28}, false},
		{"parameter sets only", 1200, annexB(sps, pps), nil, []byte{7, 8}, false},
		{"3-byte start codes", 1200, []byte{0, 0, 1, 0x41, 1, 2, 0, 0, 1, 0x41, 3, 4}, annexB([]byte{0x41, 1, 2}, []byte{0x41, 3, 4}),
			[]byte{1, 1}, false},
		{"AUD and filler", 1200, annexB(testAUD, sps, pps, testIDR, testFill), annexB(sps, pps, testIDR), []byte{24, 28, 28, 28}, true},
		{"leading zeros", 1200, append([]byte{0, 0}, annexB(testP)...), annexB(testP), []byte{1}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, _ := NewPacketizer(codecOf("H264"), c.mtu)
			pkts, err := p.Packetize(c.in, 9000)
			if err != nil {
				t.Fatal(err)
			}
			var types []byte
			for i, pkt := range pkts {
				types = append(types, pkt.Payload[0]&h264TypeMask)
				if len(pkt.Payload)+rtpHeaderSize > c.mtu || pkt.Marker != (i == len(pkts)-1) {
					t.Errorf("packet %d: %d bytes, marker %v", i, len(pkt.Payload), pkt.Marker)
				}
			}
			if !bytes.Equal(types, c.types) {
				t.Errorf("types %v, want %v", types, c.types)
			}
			a := newTestAssembler(t, AssemblerConfig{Codec: codecOf("H264")})
			pushAll(a, simStart, clonePackets(pkts))
			a.Flush()
			got := popAll(a, simStart.Add(time.Second))
			want := c.want
			if want == nil {
				want = c.in
			}
			data, key, err := newFrameRules(media.H264).assemble(nil, pkts)
			if err != nil || key != media.H264.Keyframe(want) || !bytes.Equal(data, want) {
				t.Fatalf("assemble: key %v, %v\n% x", key, err, data)
			}
			// An Assembler starts at a keyframe it can trust: an IDR with
			// the SPS first.
			if n := len(got); n != 0 != c.key || n > 0 && (!bytes.Equal(got[0].Data, want) || !got[0].Keyframe) {
				t.Fatalf("%d frames from the Assembler", n)
			}
		})
	}
}

func TestH264PacketizeErrors(t *testing.T) {
	for _, c := range []struct {
		name  string
		frame []byte
		want  error
	}{
		{"empty", nil, ErrEmptyFrame},
		{"delimiter only", annexB(testAUD), ErrEmptyFrame},
		{"no start code", []byte{0x41, 1, 2, 3}, ErrMalformedFrame},
		{"garbage first", append([]byte{0xab}, annexB(testP)...), ErrMalformedFrame},
		{"forbidden bit", annexB([]byte{0xc1, 1, 2}), ErrMalformedFrame},
		{"type 0", annexB([]byte{0x00, 1, 2}), ErrMalformedFrame},
		{"type 24", annexB(testP, []byte{0x78, 0, 2, 0x41, 1}), ErrMalformedFrame},
		{"type 28", annexB([]byte{0x7c, 0x85, 1}), ErrMalformedFrame},
	} {
		p, _ := NewPacketizer(codecOf("H264"), 1200)
		if _, err := p.Packetize(c.frame, 0); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

func h264Pkts(payloads ...[]byte) []*rtp.Packet {
	out := make([]*rtp.Packet, len(payloads))
	for i, p := range payloads {
		out[i] = &rtp.Packet{Header: rtp.Header{SequenceNumber: uint16(i)}, Payload: p}
	}
	return out
}

func TestH264Depacketize(t *testing.T) {
	stap := func(nals ...[]byte) []byte {
		out := []byte{0x78}
		for _, n := range nals {
			out = append(out, byte(len(n)>>8), byte(len(n)))
			out = append(out, n...)
		}
		return out
	}
	fu := func(typ, flags byte, data ...byte) []byte {
		return append([]byte{0x60 | h264FuA, flags | typ}, data...)
	}
	const s, e = h264FuStart, h264FuEnd
	for _, c := range []struct {
		name     string
		payloads [][]byte
		want     []byte
		key      bool
		err      bool
	}{
		{"single", [][]byte{{0x41, 1}}, annexB([]byte{0x41, 1}), false, false},
		{"STAP-A with IDR", [][]byte{stap(h264SPSNAL, h264PPSNAL, []byte{0x65, 9})}, annexB(h264SPSNAL, h264PPSNAL, []byte{0x65, 9}), true, false},
		{"parameter sets alone", [][]byte{stap(h264SPSNAL, h264PPSNAL)}, annexB(h264SPSNAL, h264PPSNAL), false, false},
		{"FU-A", [][]byte{fu(5, s, 1), fu(5, 0, 2), fu(5, e, 3)}, annexB([]byte{0x65, 1, 2, 3}), true, false},
		{"FU-A then single", [][]byte{fu(1, s, 1), fu(1, e), {0x41, 2}}, annexB([]byte{0x61, 1}, []byte{0x41, 2}), false, false},
		{"FU-A without start", [][]byte{fu(5, 0, 2), fu(5, e, 3)}, nil, false, true},
		{"FU-A without end", [][]byte{fu(5, s, 1), fu(5, 0, 2)}, nil, false, true},
		{"FU-A start and end", [][]byte{fu(5, s|e, 1)}, nil, false, true},
		{"FU-A start twice", [][]byte{fu(5, s, 1), fu(5, s, 2), fu(5, e, 3)}, nil, false, true},
		{"FU-A type changes", [][]byte{fu(5, s, 1), fu(1, e, 2)}, nil, false, true},
		{"single inside FU-A", [][]byte{fu(5, s, 1), {0x41, 2}, fu(5, e, 3)}, nil, false, true},
		{"FU-A of type 24", [][]byte{fu(24, s, 1), fu(24, e, 2)}, nil, false, true},
		{"FU-A header only", [][]byte{{0x7c}}, nil, false, true},
		{"STAP-A entry of 0", [][]byte{{0x78, 0, 0, 0, 2, 0x41, 1}}, nil, false, true},
		{"STAP-A overrun", [][]byte{{0x78, 0, 9, 0x41, 1}}, nil, false, true},
		{"STAP-A trailing byte", [][]byte{append(stap([]byte{0x41, 1}), 0)}, nil, false, true},
		{"STAP-A empty", [][]byte{{0x78}}, nil, false, true},
		{"STAP-A nested", [][]byte{stap([]byte{0x78, 0, 1, 0x41})}, nil, false, true},
		{"STAP-B", [][]byte{{0x79, 0, 0, 0, 2, 0x41, 1}}, nil, false, true},
		{"FU-B", [][]byte{{0x7d, 0x85, 0, 0, 1}}, nil, false, true},
		{"type 0", [][]byte{{0x00, 1}}, nil, false, true},
		{"type 31", [][]byte{{0x1f, 1}}, nil, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			data, key, err := newFrameRules(media.H264).assemble(nil, h264Pkts(c.payloads...))
			if c.err {
				if !errors.Is(err, errCorruptFrame) {
					t.Fatalf("err %v, data % x", err, data)
				}
				return
			}
			if err != nil || key != c.key || !bytes.Equal(data, c.want) {
				t.Fatalf("key %v err %v\n% x\nwant % x", key, err, data, c.want)
			}
		})
	}
}

func TestH264FrameStarts(t *testing.T) {
	var r h264Rules
	for _, c := range []struct {
		payload      []byte
		start, first bool
	}{
		{[]byte{0x41, 1}, true, false},
		{[]byte{0x65, 1}, true, false},
		{[]byte{0x67, 1}, true, true},
		{[]byte{0x68, 1}, true, false}, // an SPS may have gone before it
		{[]byte{0x06, 1}, true, false},
		{[]byte{0x09, 0xf0}, true, true},
		{[]byte{0x78, 0, 2, 0x67, 1}, true, true},
		{[]byte{0x78, 0, 2, 0x68, 1}, true, false},
		{[]byte{0x7c, 0x87, 1}, true, true},
		{[]byte{0x7c, 0x85, 1}, true, false},
		{[]byte{0x7c, 0x05, 1}, false, false},
		{[]byte{0x7c}, false, false},
		{[]byte{0x7d, 0x85, 0, 0, 1}, false, false},
		{[]byte{0x00, 1}, false, false},
		{nil, false, false},
	} {
		if got := r.start(c.payload); got != c.start {
			t.Errorf("% x: start %v", c.payload, got)
		}
		if got := c.start && r.firstOnly(c.payload); got != c.first {
			t.Errorf("% x: firstOnly %v", c.payload, got)
		}
	}
}

// h264Loss sends keyframe, inter, inter, keyframe, inter through an
// Assembler, dropping the packets drop picks. The keyframes are a STAP-A
// (SPS, PPS) and an IDR slice in three FU-A fragments; with bare, the second
// is the IDR slice alone, as from a sender that sends parameter sets once.
func h264Loss(t *testing.T, bare bool, drop func(frame, packet int) bool) ([]Frame, Stats) {
	t.Helper()
	key := annexB(h264SPSNAL, h264PPSNAL, testIDR)
	s := &testStream{codec: "H264"}
	s.add(key, true)
	s.add(annexB(testP), false)
	s.add(annexB(testP), false)
	if bare {
		key = annexB(testIDR)
	}
	s.add(key, true)
	s.add(annexB(testP), false)
	fr := packetized(t, s, 1200, 100)
	a := newTestAssembler(t, AssemblerConfig{Codec: codecOf("H264")})
	for i, pkts := range fr {
		for k, p := range pkts {
			if !drop(i, k) {
				a.Push(p, simStart)
			}
		}
	}
	a.Flush()
	got := popAll(a, simStart.Add(time.Second))
	checkInvariant(t, a.Stats())
	for _, f := range got {
		i := int(uint32(f.Timestamp) / videoTick)
		if !bytes.Equal(f.Data, s.frames[i]) {
			t.Errorf("frame at %d is not source frame %d", f.Timestamp, i)
		}
	}
	return got, a.Stats()
}

// TestAssemblerH264Loss: a frame missing any packet never comes out, not
// even one whose lost packets were its first (H.264 has no start bit).
func TestAssemblerH264Loss(t *testing.T) {
	never := func(int, int) bool { return false }
	for _, c := range []struct {
		name   string
		bare   bool
		drop   func(frame, packet int) bool
		frames int
	}{
		{"nothing lost", false, never, 5},
		{"first keyframe's STAP-A", false, func(f, p int) bool { return f == 0 && p == 0 }, 2},
		{"second keyframe's STAP-A", false, func(f, p int) bool { return f == 3 && p == 0 }, 3},
		{"its first fragment", false, func(f, p int) bool { return f == 3 && p == 1 }, 3},
		{"a middle fragment", false, func(f, p int) bool { return f == 3 && p == 2 }, 3},
		{"the last fragment", false, func(f, p int) bool { return f == 3 && p == 3 }, 3},
		{"the frame before", false, func(f, p int) bool { return f == 2 }, 4},
		// A bare IDR right after a loss cannot be told from one whose
		// STAP-A was lost: it is not trusted, and the wait goes on.
		{"bare IDR after a loss", true, func(f, p int) bool { return f == 2 }, 2},
		// With a frame between (complete, though dropped while waiting),
		// its start is certain.
		{"bare IDR a frame after a loss", true, func(f, p int) bool { return f == 1 }, 3},
		{"bare IDR", true, never, 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, st := h264Loss(t, c.bare, c.drop)
			if len(got) != c.frames {
				t.Fatalf("%d frames, want %d; stats %+v", len(got), c.frames, st)
			}
		})
	}
}
