package rtpio

import (
	"bytes"
	"github.com/webrtc-cli/webrtc-cli/media"
	"slices"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// Fuzz input: a header byte choosing codec and buffer size, then records of
// [flags, seq delta, timestamp delta, payload length, payload...]. Flags:
// 0x01 marker, 0x02 pop, 0x04 advance the clock by 100 ms, 0x08 flush,
// 0x10 a large timestamp jump.
const (
	fuzzMarker = 1 << iota
	fuzzPop
	fuzzTick
	fuzzFlush
	fuzzTSJump
)

// FuzzAssembler feeds arbitrary packets, in arbitrary order, with arbitrary
// payloads that reach pion's depacketizers. It must never panic, the stats
// must always add up, and memory must stay bounded by MaxPackets.
func FuzzAssembler(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	f.Add([]byte{1, 0x02, 0xff, 0x00, 0x00, 0x02, 0x80, 0x00, 0x00})
	for _, seed := range h264FuzzSeeds(f) {
		f.Add(seed)
	}

	f.Fuzz(func(t *testing.T, data []byte) { fuzzAssembler(t, data) })
}

func fuzzAssembler(t testing.TB, data []byte) {
	if len(data) == 0 {
		return
	}
	size := 16 + int(data[0]>>2&3)*24
	a, err := NewAssembler(AssemblerConfig{
		Codec: codecOf(codecNames[int(data[0])%len(codecNames)]), MaxDelay: 300 * time.Millisecond, MaxPackets: size,
	})
	if err != nil {
		t.Fatal(err)
	}
	now := simStart
	seq, ts := uint16(65500), uint32(0xfffff000)
	check := func() { // no t.Helper: it walks the stack, and this runs per packet
		st := a.Stats()
		if sum := st.Padding + st.Duplicates + st.Late + st.Delivered + st.Discarded + st.Buffered; sum != st.Packets {
			t.Fatalf("stats do not add up: %+v", st)
		}
		if st.Buffered > uint64(size) || len(a.out)-a.outHead > size {
			t.Fatalf("unbounded: %d buffered, %d queued, size %d", st.Buffered, len(a.out)-a.outHead, size)
		}
	}
	// Frames come out in sequence order and never share a packet, so no
	// duplicate was glued into one (a resync restarts the numbering).
	var lastSeq uint16
	emitted, resyncs := false, uint64(0)
	popChecked := func(now time.Time) {
		for fr, ok := a.Pop(now); ok; fr, ok = a.Pop(now) {
			if fr.Packets < 1 || len(fr.Data) == 0 || int16(fr.LastSeq-fr.FirstSeq) < 0 {
				t.Fatalf("bad frame %+v", fr)
			}
			if a.codec == media.H264 && !bytes.HasPrefix(fr.Data, []byte{0, 0, 0, 1}) {
				t.Fatalf("bad H264 frame %+v", fr)
			}
			if fr.Keyframe && !a.codec.Keyframe(fr.Data) {
				t.Fatalf("keyframe %+v that media.Codec.Keyframe does not take for one", fr)
			}
			if r := a.Stats().Resyncs; emitted && r == resyncs && int16(fr.FirstSeq-lastSeq) <= 0 {
				t.Fatalf("frame at %d after one ending at %d", fr.FirstSeq, lastSeq)
			}
			emitted, resyncs, lastSeq = true, a.Stats().Resyncs, fr.LastSeq
		}
	}
	for rest := data[1:]; len(rest) >= 4; {
		flags, dseq, dts, n := rest[0], int8(rest[1]), rest[2], int(rest[3])
		rest = rest[4:]
		n = min(n, len(rest))
		payload := append([]byte(nil), rest[:n]...)
		rest = rest[n:]

		seq += uint16(dseq)
		ts += uint32(dts) * 3000
		if flags&fuzzTSJump != 0 {
			ts += 1 << 31
		}
		a.Push(&rtp.Packet{
			Header:  rtp.Header{Version: 2, Marker: flags&fuzzMarker != 0, SequenceNumber: seq, Timestamp: ts},
			Payload: payload,
		}, now)
		check()
		if flags&fuzzTick != 0 {
			now = now.Add(100 * time.Millisecond)
		}
		if flags&fuzzFlush != 0 {
			a.Flush()
		}
		if flags&fuzzPop != 0 {
			popChecked(now)
		}
		check()
	}
	a.Flush()
	popChecked(now.Add(time.Hour))
	check()
	if st := a.Stats(); st.Buffered != 0 {
		t.Fatalf("Buffered %d after Flush", st.Buffered)
	}
}

// fuzzSeeds are real packet streams of each codec in the fuzz format.
func fuzzSeeds(tb testing.TB) [][]byte {
	var seeds [][]byte
	for ci, codec := range codecNames {
		s := synthStream(codec, 5, 3, uint64(ci))
		for i := range s.frames {
			s.frames[i] = s.frames[i][:min(len(s.frames[i]), 300)]
			if codec == "AV1" { // keep the OBU sizes honest after cutting
				s.frames[i] = appendOBU(append([]byte(nil), temporalDelimiter...), 6, s.frames[i][2:])
			}
		}
		fr := packetized(tb, s, 120, 0)
		seed := []byte{byte(ci)}
		for _, pkts := range fr {
			for _, p := range pkts {
				flags := byte(fuzzPop)
				if p.Marker {
					flags |= fuzzMarker
				}
				seed = append(seed, flags, 1, 0, byte(len(p.Payload)))
				seed = append(seed, p.Payload...)
			}
		}
		seeds = append(seeds, seed)
	}

	return seeds
}

// h264FuzzSeeds are H264 streams in the fuzz format with what the H264
// rules must survive: the STAP-A before an IDR lost (its sequence number
// skipped), an FU-A fragment lost, a bare IDR after a loss.
func h264FuzzSeeds(tb testing.TB) [][]byte {
	ci := byte(slices.Index(codecNames, "H264"))
	s := &testStream{codec: "H264"}
	for i := range 6 {
		switch {
		case i%3 != 0:
			s.add(annexB(nalOf(0x41, 150)), false)
		case i == 3:
			s.add(annexB(nalOf(0x65, 250)), true)
		default:
			s.add(annexB(h264SPSNAL, h264PPSNAL, nalOf(0x65, 250)), true)
		}
	}
	fr := packetized(tb, s, 120, 0)
	var seeds [][]byte
	for _, skip := range []struct{ frame, packet int }{{-1, -1}, {0, 0}, {0, 2}, {2, 0}, {3, 0}} {
		seed := []byte{ci}
		gap := byte(1)
		for i, pkts := range fr {
			for k, p := range pkts {
				if i == skip.frame && k == skip.packet {
					gap = 2
					continue
				}
				flags := byte(fuzzPop)
				if p.Marker {
					flags |= fuzzMarker
				}
				dts := byte(0)
				if k == 0 && i > 0 {
					dts = 1
				}
				seed = append(seed, flags, gap, dts, byte(len(p.Payload)))
				seed = append(seed, p.Payload...)
				gap = 1
			}
		}
		seeds = append(seeds, seed)
	}
	return seeds
}
