package rtpio

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// packetized is a stream cut into packets, one slice per frame.
func packetized(t testing.TB, s *testStream, mtu int, seq uint16) [][]*rtp.Packet {
	t.Helper()
	p, err := NewPacketizer(codecOf(s.codec), mtu)
	if err != nil {
		t.Fatal(err)
	}
	p.seq = seq
	out := make([][]*rtp.Packet, len(s.frames))
	for i, f := range s.frames {
		pkts, err := p.Packetize(f, s.ts[i])
		if err != nil {
			t.Fatal(err)
		}
		out[i] = clonePackets(pkts)
	}

	return out
}

func newTestAssembler(t *testing.T, cfg AssemblerConfig) *Assembler {
	t.Helper()
	a, err := NewAssembler(cfg)
	if err != nil {
		t.Fatal(err)
	}

	return a
}

func pushAll(a *Assembler, now time.Time, frames ...[]*rtp.Packet) {
	for _, pkts := range frames {
		for _, p := range pkts {
			a.Push(p.Clone(), now)
		}
	}
}

func popAll(a *Assembler, now time.Time) []Frame {
	var out []Frame
	for f, ok := a.Pop(now); ok; f, ok = a.Pop(now) {
		out = append(out, f)
	}

	return out
}

func TestNewAssemblerErrors(t *testing.T) {
	for _, cfg := range []AssemblerConfig{
		{Codec: codecOf("H263")},
		{Codec: codecOf("VP8"), MaxDelay: -time.Second},
		{Codec: codecOf("VP8"), MaxPackets: minPackets - 1},
		{Codec: codecOf("VP8"), MaxPackets: maxPackets + 1},
	} {
		if _, err := NewAssembler(cfg); err == nil {
			t.Errorf("NewAssembler(%+v) succeeded", cfg)
		}
	}
	if _, err := NewAssembler(AssemblerConfig{Codec: codecOf("H263")}); !errors.Is(err, ErrUnknownCodec) {
		t.Errorf("err %v, want ErrUnknownCodec", err)
	}
}

// TestAssemblerDeadline walks through one loss by the clock: the gap is
// waited for exactly MaxDelay, then given up with the frames it broke, and
// the stream resumes at the next keyframe.
func TestAssemblerDeadline(t *testing.T) {
	const maxDelay = 300 * time.Millisecond
	s := synthStream("VP8", 5, 3, 1) // key, inter, inter, key, inter
	fr := packetized(t, s, 1200, 100)
	a := newTestAssembler(t, AssemblerConfig{Codec: codecOf("VP8"), MaxDelay: maxDelay})
	t0 := simStart

	if !a.NeedKeyframe() {
		t.Fatal("a new video stream does not ask for a keyframe")
	}
	pushAll(a, t0, fr[0])
	if got := popAll(a, t0); len(got) != 1 || !got[0].Keyframe || got[0].Discontinuity || a.NeedKeyframe() {
		t.Fatalf("first keyframe: %+v, need %v", got, a.NeedKeyframe())
	}
	if _, ok := a.Deadline(); ok {
		t.Fatal("deadline with nothing missing")
	}

	// Frame 1 loses a packet in the middle; frame 2 arrives 10 ms later.
	lossy := append([]*rtp.Packet{}, fr[1][:1]...)
	lossy = append(lossy, fr[1][2:]...)
	pushAll(a, t0, lossy)
	t1 := t0.Add(10 * time.Millisecond)
	pushAll(a, t1, fr[2])
	if got := popAll(a, t1); len(got) != 0 {
		t.Fatalf("emitted %d frames past a gap", len(got))
	}
	dl, ok := a.Deadline()
	if !ok || !dl.Equal(t0.Add(maxDelay)) {
		t.Fatalf("deadline %v %v, want %v", dl, ok, t0.Add(maxDelay))
	}
	if got := popAll(a, dl.Add(-time.Nanosecond)); len(got) != 0 {
		t.Fatal("gave up before the deadline")
	}
	if got := popAll(a, dl); len(got) != 0 || !a.NeedKeyframe() {
		t.Fatalf("after the deadline: %d frames, need keyframe %v", len(got), a.NeedKeyframe())
	}
	st := a.Stats()
	if st.Lost != 1 || st.FramesDropped != 2 || st.KeyframeWaits != 1 || st.Buffered != 0 {
		t.Fatalf("stats %+v", st)
	}

	pushAll(a, dl, fr[3], fr[4])
	got := popAll(a, dl)
	if len(got) != 2 || !got[0].Keyframe || !got[0].Discontinuity || got[1].Discontinuity || a.NeedKeyframe() {
		t.Fatalf("resume: %+v", got)
	}
	checkInvariant(t, a.Stats())
}

// TestAssemblerDuplicateAfterEmit is Chromium's probe: a copy of a packet
// whose frame was already written must not reappear in any frame.
func TestAssemblerDuplicateAfterEmit(t *testing.T) {
	s := synthStream("AV1", 3, 3, 2)
	fr := packetized(t, s, 1200, 65534)
	a := newTestAssembler(t, AssemblerConfig{Codec: codecOf("AV1")})
	pushAll(a, simStart, fr[0], fr[1])
	got := popAll(a, simStart)
	pushAll(a, simStart, fr[0][1:3], fr[1][:1])
	pushAll(a, simStart, fr[2])
	got = append(got, popAll(a, simStart)...)
	if len(got) != 3 {
		t.Fatalf("%d frames", len(got))
	}
	for i, f := range got {
		if !bytes.Equal(f.Data, s.frames[i]) {
			t.Fatalf("frame %d differs", i)
		}
	}
	if st := a.Stats(); st.Duplicates != 3 || st.Lost != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestAssemblerPaddingOnly feeds real padding packets (P bit, payload all
// padding) between and before frames: they fill their sequence numbers and
// nothing else.
func TestAssemblerPaddingOnly(t *testing.T) {
	s := synthStream("VP9", 4, 4, 3)
	a := newTestAssembler(t, AssemblerConfig{Codec: codecOf("VP9")})
	p, _ := NewPacketizer(codecOf("VP9"), 1200)
	padding := func(ts uint32) *rtp.Packet {
		h := rtp.Header{Version: 2, Padding: true, SequenceNumber: p.seq, Timestamp: ts, SSRC: 1}
		p.seq++
		raw, err := (&rtp.Packet{Header: h, PaddingSize: 255}).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		var pkt rtp.Packet
		if err := pkt.Unmarshal(raw); err != nil {
			t.Fatal(err)
		}
		if len(pkt.Payload) != 0 {
			t.Fatalf("padding packet has %d payload bytes", len(pkt.Payload))
		}

		return &pkt
	}
	a.Push(padding(0), simStart)
	for i, f := range s.frames {
		pkts, _ := p.Packetize(f, s.ts[i])
		pushAll(a, simStart, pkts)
		a.Push(padding(s.ts[i]), simStart)
		a.Push(padding(s.ts[i]), simStart)
	}
	got := popAll(a, simStart)
	if len(got) != len(s.frames) {
		t.Fatalf("%d of %d frames; stats %+v", len(got), len(s.frames), a.Stats())
	}
	if st := a.Stats(); st.Padding != 9 || st.Lost != 0 || st.Discarded != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestAssemblerMaxPackets: a buffer that fills up gives the gap up at once
// instead of waiting MaxDelay.
func TestAssemblerMaxPackets(t *testing.T) {
	s := synthStream("opus", 60, 1, 4)
	fr := packetized(t, s, 1200, 10)
	a := newTestAssembler(t, AssemblerConfig{Codec: codecOf("opus"), MaxPackets: 16})
	pushAll(a, simStart, fr[0])
	got := popAll(a, simStart)
	for _, pkts := range fr[2:] {
		pushAll(a, simStart, pkts)
		got = append(got, popAll(a, simStart)...)
	}
	if len(got) != len(fr)-1 || got[1].FirstSeq != 12 || !got[1].Discontinuity {
		t.Fatalf("%d frames", len(got))
	}
	if st := a.Stats(); st.Lost != 1 || st.Buffered != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestAssemblerLateJoin starts mid-GOP: the inter frames are held for
// MaxDelay (overtaken packets might still come), then dropped; output starts
// at the keyframe.
func TestAssemblerLateJoin(t *testing.T) {
	s := synthStream("VP8", 30, 12, 5)
	fr := packetized(t, s, 1200, 0)
	a := newTestAssembler(t, AssemblerConfig{Codec: codecOf("VP8")})
	pushAll(a, simStart, fr[5][1:]) // not even from a frame's start
	pushAll(a, simStart, fr[6:]...)
	if got := popAll(a, simStart); len(got) != 0 {
		t.Fatalf("%d frames during the startup hold", len(got))
	}
	if dl, ok := a.Deadline(); !ok || !dl.Equal(simStart.Add(DefaultMaxDelay)) {
		t.Fatalf("deadline %v %v", dl, ok)
	}
	got := popAll(a, simStart.Add(DefaultMaxDelay))
	if len(got) != 30-12 || !got[0].Keyframe || got[0].FirstSeq != fr[12][0].SequenceNumber {
		t.Fatalf("%d frames, first %+v", len(got), got[0].FirstSeq)
	}
	if st := a.Stats(); st.FramesDropped != 6 || st.KeyframeWaits != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestAssemblerNoMarker: a sender that never sets the marker bit still gets
// its frames out, each once the next frame's first packet shows where it
// ended.
func TestAssemblerNoMarker(t *testing.T) {
	s := synthStream("VP8", 6, 6, 6)
	fr := packetized(t, s, 1200, 500)
	a := newTestAssembler(t, AssemblerConfig{Codec: codecOf("VP8")})
	for _, pkts := range fr {
		pkts[len(pkts)-1].Marker = false
		pushAll(a, simStart, pkts)
	}
	got := popAll(a, simStart)
	if len(got) != 5 {
		t.Fatalf("%d frames", len(got))
	}
	for i, f := range got {
		if !bytes.Equal(f.Data, s.frames[i]) {
			t.Fatalf("frame %d differs", i)
		}
	}
}

// TestAssemblerCorruptFrames: frames whose packets are all there but do not
// fit together are dropped like lost ones.
func TestAssemblerCorruptFrames(t *testing.T) {
	cases := []struct {
		codec   string
		corrupt func(frame []*rtp.Packet)
	}{
		{"VP9", func(f []*rtp.Packet) { f[len(f)-1].Payload[0] &^= 0x04 }}, // no E bit at the end
		{"AV1", func(f []*rtp.Packet) { f[1].Payload[0] ^= av1FlagZ }},     // fragment chain broken
		{"AV1", func(f []*rtp.Packet) { f[len(f)-1].Payload[0] |= av1FlagY }},
		{"VP8", func(f []*rtp.Packet) { f[0].Payload[0] |= 0x01 }},                // partition index 1 at the start
		{"H264", func(f []*rtp.Packet) { f[len(f)-2].Payload[1] |= h264FuStart }}, // FU-A start inside one
		{"H264", func(f []*rtp.Packet) { f[len(f)-1].Payload[1] &^= h264FuEnd }},  // ends inside an FU-A
		{"H264", func(f []*rtp.Packet) { f[0].Payload[1] = 0xff }},                // STAP-A size overruns
	}
	for _, c := range cases {
		t.Run(c.codec, func(t *testing.T) {
			s := synthStream(c.codec, 6, 3, 7) // key, inter, inter, key, inter, inter
			fr := packetized(t, s, 1200, 42)
			c.corrupt(fr[0])
			a := newTestAssembler(t, AssemblerConfig{Codec: codecOf(c.codec)})
			pushAll(a, simStart, fr...)
			got := popAll(a, simStart.Add(time.Second))
			if len(got) != 3 || !bytes.Equal(got[0].Data, s.frames[3]) {
				t.Fatalf("%d frames; stats %+v", len(got), a.Stats())
			}
			checkInvariant(t, a.Stats())
		})
	}
}

// TestAssemblerSequenceJumps: a jump forward past the window is counted
// lost; a jump backwards (a restarted sender) makes the buffer start over
// instead of discarding the new stream as late.
func TestAssemblerSequenceJumps(t *testing.T) {
	s := synthStream("VP8", 100, 25, 8)
	for _, c := range []struct {
		name   string
		jump   uint16
		lost   uint64
		resync uint64
	}{
		{"forward", 5000, 5000, 0},
		{"backward", 65536 - 20000, 0, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			fr := packetized(t, s, 1200, 1000)
			for _, pkts := range fr[50:] {
				for _, p := range pkts {
					p.SequenceNumber += c.jump
				}
			}
			a := newTestAssembler(t, AssemblerConfig{Codec: codecOf("VP8")})
			pushAll(a, simStart, fr...)
			got := popAll(a, simStart)
			a.Flush()
			got = append(got, popAll(a, simStart)...)
			st := a.Stats()
			checkInvariant(t, st)
			if st.Lost != c.lost || st.Resyncs != c.resync {
				t.Fatalf("stats %+v", st)
			}
			// Up to maxStaleRun packets of the new numbering are given up
			// before the restart is believed; the next GOP comes through.
			if len(got) < 75 || !bytes.Equal(got[len(got)-1].Data, s.frames[99]) {
				t.Fatalf("%d frames", len(got))
			}
		})
	}
}

// TestAssemblerUnpopped: nobody calls Pop; memory stays bounded.
func TestAssemblerUnpopped(t *testing.T) {
	s := synthStream("opus", 3000, 1, 9)
	fr := packetized(t, s, 1200, 0)
	a := newTestAssembler(t, AssemblerConfig{Codec: codecOf("opus"), MaxPackets: 32})
	for i, pkts := range fr {
		if i%3 != 1 {
			pushAll(a, simStart, pkts)
		}
	}
	if n := len(a.out) - a.outHead; n > 32 {
		t.Fatalf("%d frames queued", n)
	}
	checkInvariant(t, a.Stats())
}
