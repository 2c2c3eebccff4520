package rtpio

import (
	"github.com/pion/rtp"
	"testing"
	"time"
)

// BenchmarkPacketize: one op is one frame of a 24 fps stream with 15-40 KB
// keyframes every 48 frames and 0.3-8 KB inter frames, at pion's MTU.
func BenchmarkPacketize(b *testing.B) {
	for _, codec := range codecNames {
		b.Run(codec, func(b *testing.B) {
			s := synthStream(codec, 96, 48, 1)
			p, err := NewPacketizer(codecOf(codec), 1200)
			if err != nil {
				b.Fatal(err)
			}
			packets, i := 0, 0
			b.ReportAllocs()
			for b.Loop() {
				pkts, err := p.Packetize(s.frames[i], s.ts[i])
				if err != nil {
					b.Fatal(err)
				}
				packets += len(pkts)
				i = (i + 1) % len(s.frames)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(packets), "ns/packet")
			b.ReportMetric(float64(packets)/float64(b.N), "packets/frame")
		})
	}
}

// BenchmarkAssembler: one op is one packet pushed and the frames it
// completes popped, in order, for the same stream as BenchmarkPacketize.
func BenchmarkAssembler(b *testing.B) {
	for _, codec := range codecNames {
		b.Run(codec, func(b *testing.B) {
			s := synthStream(codec, 96, 48, 1)
			fr := packetized(b, s, 1200, 0)
			var pkts []*packetRef
			for _, f := range fr {
				for _, p := range f {
					pkts = append(pkts, &packetRef{p: p, seq: p.SequenceNumber, ts: p.Timestamp})
				}
			}
			span := s.ts[len(s.ts)-1] - s.ts[0] + videoTick
			a, err := NewAssembler(AssemblerConfig{Codec: codecOf(codec)})
			if err != nil {
				b.Fatal(err)
			}
			now := time.Now()
			frames, i, cycle := 0, 0, 0
			b.ReportAllocs()
			for b.Loop() {
				if i == 0 && cycle > 0 {
					// Every frame of the last cycle is out, so the packets
					// are free to be renumbered and sent again.
					for _, r := range pkts {
						r.p.SequenceNumber = r.seq + uint16(cycle*len(pkts))
						r.p.Timestamp = r.ts + uint32(cycle)*span
					}
				}
				a.Push(pkts[i].p, now)
				for _, ok := a.Pop(now); ok; _, ok = a.Pop(now) {
					frames++
				}
				if i++; i == len(pkts) {
					i, cycle = 0, cycle+1
				}
			}
			if st := a.Stats(); st.Discarded != 0 || st.Lost != 0 {
				b.Fatalf("stats %+v", st)
			}
			b.ReportMetric(float64(frames)/float64(b.N), "frames/op")
		})
	}
}

type packetRef struct {
	p   *rtp.Packet
	seq uint16
	ts  uint32
}
