package rtpio

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/pion/rtp"
)

// netConfig describes what the simulated network does to a packet stream.
type netConfig struct {
	seed     uint64
	mtu      int
	startSeq *uint16 // nil: the packetizer's random start
	loss     float64 // each transmission is lost with this probability
	retries  int     // NACK retransmissions of a lost packet, each also lossy
	rtxDelay time.Duration
	dup      float64 // a delivered packet arrives again later (Chromium probes)
	shuffle  int     // packets are reordered within windows of this size
	padding  float64 // a padding-only packet follows a frame
	padLoss  bool    // padding packets are subject to loss too
}

// sentPacket is a packet as sent, with the frame it belongs to (-1 for
// padding) and whether it ever reached the receiver.
type sentPacket struct {
	pkt       *rtp.Packet
	frame     int
	delivered bool
}

type delivery struct {
	at  time.Time
	pkt *rtp.Packet
	seq int // index into the sent list
	dup bool
}

// simulation is one run of a stream through the network model.
type simulation struct {
	stream     *testStream
	sent       []sentPacket
	deliveries []delivery
	dups       int
}

var simStart = time.Unix(1_000_000, 0)

func simulate(t interface{ Fatal(...any) }, s *testStream, cfg netConfig) *simulation {
	rng := rand.New(rand.NewPCG(cfg.seed, cfg.seed+1))
	mtu := cfg.mtu
	if mtu == 0 {
		mtu = 1200
	}
	pz, err := NewPacketizer(codecOf(s.codec), mtu)
	if err != nil {
		t.Fatal(err)
	}
	sim := &simulation{stream: s}
	var sendAt []time.Time
	tick := time.Second / 24
	if s.codec == "opus" {
		tick = 20 * time.Millisecond
	}
	for i, f := range s.frames {
		pkts, err := pz.Packetize(f, s.ts[i])
		if err != nil {
			t.Fatal(err)
		}
		at := simStart.Add(time.Duration(i) * tick)
		for k, p := range pkts {
			sim.sent = append(sim.sent, sentPacket{pkt: p.Clone(), frame: i})
			sendAt = append(sendAt, at.Add(time.Duration(k)*100*time.Microsecond))
		}
		if rng.Float64() < cfg.padding {
			pad := &rtp.Packet{Header: rtp.Header{Version: 2, Padding: true, PaddingSize: 200, Timestamp: s.ts[i]}}
			sim.sent = append(sim.sent, sentPacket{pkt: pad, frame: -1})
			sendAt = append(sendAt, at.Add(5*time.Millisecond))
		}
	}
	// Number everything in sending order, padding included.
	seq := sim.sent[0].pkt.SequenceNumber
	if cfg.startSeq != nil {
		seq = *cfg.startSeq
	}
	for i := range sim.sent {
		sim.sent[i].pkt.SequenceNumber = seq + uint16(i)
	}

	for i := range sim.sent {
		lossy := sim.sent[i].frame >= 0 || cfg.padLoss
		at := sendAt[i].Add(10 * time.Millisecond)
		for try := 0; try <= cfg.retries; try++ {
			if try > 0 && cfg.loss == 0 {
				break
			}
			if !lossy || rng.Float64() >= cfg.loss {
				sim.deliver(at, i, false)
				if rng.Float64() < cfg.dup {
					sim.deliver(at.Add(20*time.Millisecond+time.Duration(rng.IntN(300))*time.Millisecond), i, true)
				}

				break
			}
			at = at.Add(cfg.rtxDelay)
		}
	}
	slices.SortStableFunc(sim.deliveries, func(a, b delivery) int { return a.at.Compare(b.at) })
	if cfg.shuffle > 1 {
		// Permute packets within windows but keep arrival times rising.
		for w := 0; w < len(sim.deliveries); w += cfg.shuffle {
			win := sim.deliveries[w:min(w+cfg.shuffle, len(sim.deliveries))]
			times := make([]time.Time, len(win))
			for k := range win {
				times[k] = win[k].at
			}
			rng.Shuffle(len(win), func(a, b int) { win[a], win[b] = win[b], win[a] })
			for k := range win {
				win[k].at = times[k]
			}
		}
	}

	return sim
}

func (sim *simulation) deliver(at time.Time, i int, dup bool) {
	sim.sent[i].delivered = true
	if dup {
		sim.dups++
	}
	sim.deliveries = append(sim.deliveries, delivery{at: at, pkt: sim.sent[i].pkt.Clone(), seq: i, dup: dup})
}

// run feeds the deliveries to a, popping after each, then flushes.
func (sim *simulation) run(a *Assembler, maxDelay time.Duration) []Frame {
	var out []Frame
	popAll := func(now time.Time) {
		for f, ok := a.Pop(now); ok; f, ok = a.Pop(now) {
			out = append(out, f)
		}
	}
	var now time.Time
	// Every packet goes through one buffer and one rtp.Packet, scribbled
	// over after each Push, as a reader that reuses them does: the
	// assembler must keep copies.
	var p rtp.Packet
	buf := make([]byte, 0, 2048)
	for _, d := range sim.deliveries {
		now = d.at
		raw, err := d.pkt.Marshal()
		if err != nil {
			panic(err)
		}
		buf = append(buf[:0], raw...)
		if err := p.Unmarshal(buf); err != nil {
			panic(err)
		}
		a.Push(&p, now)
		for i := range buf {
			buf[i] = 0xee
		}
		popAll(now)
	}
	popAll(now.Add(maxDelay))
	a.Flush()
	popAll(now.Add(maxDelay))

	return out
}

// expectation is what a correct assembler must do with a simulation.
type expectation struct {
	frames        []int // source frame indices emitted, in order
	lost          int   // sequence numbers it can know were lost
	late          int
	duplicates    int
	padding       int
	keyframeWaits int
}

// expect models the assembler: a frame is emitted when all its packets were
// delivered and no wait for a keyframe is running; an incomplete frame (or a
// lost padding packet) starts a wait in video. Audio starts at the first
// packet to arrive, and what it overtook is late.
func (sim *simulation) expect() expectation {
	var e expectation
	video := sim.stream.codec != "opus"
	// first is the lowest packet the assembler accepts: video holds its
	// start long enough for every overtaken packet; audio starts at the
	// first media packet, and what arrives below it afterwards is late.
	first, last, stop := len(sim.sent), -1, false
	for _, d := range sim.deliveries {
		last = max(last, d.seq)
		switch {
		case !stop:
			first = min(first, d.seq)
			stop = !video && sim.sent[d.seq].frame >= 0
		case d.seq < first:
			e.late++
		}
	}
	e.duplicates = sim.dups
	for _, d := range sim.deliveries {
		if d.dup && d.seq < first {
			e.duplicates--
		}
	}
	for i := first + 1; i < last; i++ {
		if !sim.sent[i].delivered {
			e.lost++
		}
	}
	for i := max(first, 0); i < len(sim.sent); i++ {
		if sim.sent[i].frame < 0 && sim.sent[i].delivered {
			e.padding++
		}
	}

	needKey := video
	complete := make([]bool, len(sim.stream.frames))
	for i := range complete {
		complete[i] = true
	}
	seen := make([]bool, len(sim.stream.frames)) // the assembler gets to know the frame
	for i, sp := range sim.sent {
		if sp.frame >= 0 {
			complete[sp.frame] = complete[sp.frame] && sp.delivered && i >= first
			seen[sp.frame] = seen[sp.frame] || i <= last
		}
	}
	frameOf := -1
	for i, sp := range sim.sent {
		if sp.frame < 0 {
			if !sp.delivered && i > first && i < last && video && !needKey {
				needKey = true
				e.keyframeWaits++
			}

			continue
		}
		if sp.frame == frameOf {
			continue
		}
		frameOf = sp.frame
		f := sp.frame
		switch {
		case !complete[f]:
			if video && !needKey && seen[f] {
				needKey = true
				e.keyframeWaits++
			}
		case needKey && !sim.stream.key[f]:
		default:
			needKey = false
			e.frames = append(e.frames, f)
		}
	}

	return e
}
