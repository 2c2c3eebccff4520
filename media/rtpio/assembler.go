package rtpio

import (
	"fmt"
	"github.com/webrtc-cli/webrtc-cli/media"
	"time"

	"github.com/pion/rtp"
)

const (
	// DefaultMaxDelay leaves time for a NACK round trip, or two, before a
	// missing packet is given up.
	DefaultMaxDelay = 500 * time.Millisecond
	// DefaultMaxPackets holds about a second of 8 Mbit/s video.
	DefaultMaxPackets = 1024
	minPackets        = 16
	maxPackets        = 1 << 15 // half the sequence space, so unwrapping stays unambiguous
	// maxStaleRun consecutive packets from before the window mean the
	// sender's numbering jumped back: start over rather than drop them all.
	maxStaleRun = 64
)

// AssemblerConfig configures an Assembler.
type AssemblerConfig struct {
	// Codec is the payload format: media.VP8, VP9, AV1, H264 or Opus.
	Codec *media.Codec
	// MaxDelay is how long a missing packet is waited for, counted from
	// when a later packet showed it missing, before it is lost for good.
	// Zero means DefaultMaxDelay.
	MaxDelay time.Duration
	// MaxPackets bounds the buffer, in sequence numbers: a packet further
	// ahead than that forces the oldest ones out. Zero means
	// DefaultMaxPackets.
	MaxPackets int
}

// Assembler is a jitter buffer and depacketizer. It emits complete frames
// strictly in sequence-number order; a frame with a packet missing is never
// emitted, and after a loss a video stream resumes only at a keyframe.
//
// Feed it with Push, then call Pop until it reports false; when no packet
// arrives, call Pop again at Deadline. It is not safe for concurrent use.
type Assembler struct {
	codec    *media.Codec
	rules    frameRules
	unmarked unmarkedStart // rules, if frames have no start bit
	maxDelay time.Duration
	ring     ring
	seq      seqUnwrapper
	ts       tsUnwrapper

	next     int64     // first sequence number not yet consumed
	started  bool      // something was consumed, so next can no longer move back
	firstAt  time.Time // arrival of the first packet, for the startup hold
	heldFrom int64     // 1 + start of a frame already found to be a held inter frame
	scanFrom int64     // 1 + start of the frame a.pkts holds so far; 0: none
	scanAt   int64     // where that scan stopped
	force    int64     // numbers below this are given up without waiting

	needKey bool
	discont bool
	// gap: what came before next is unknown (the start) or lost, so a frame
	// starting there may have lost its first packets.
	gap    bool
	lastTS uint32 // RTP timestamp of the last frame consumed
	haveTS bool

	staleRun int
	wake     time.Time
	hasWake  bool

	out     []Frame // frames ready for Pop, oldest at outHead
	outHead int
	pkts    []*rtp.Packet
	stats   Stats
}

// NewAssembler returns an Assembler for cfg.
func NewAssembler(cfg AssemblerConfig) (*Assembler, error) {
	c := cfg.Codec
	if err := checkCodec(c); err != nil {
		return nil, err
	}
	if cfg.MaxDelay == 0 {
		cfg.MaxDelay = DefaultMaxDelay
	}
	if cfg.MaxPackets == 0 {
		cfg.MaxPackets = DefaultMaxPackets
	}
	if cfg.MaxDelay < 0 {
		return nil, fmt.Errorf("%w: MaxDelay %v", ErrConfig, cfg.MaxDelay)
	}
	if cfg.MaxPackets < minPackets || cfg.MaxPackets > maxPackets {
		return nil, fmt.Errorf("%w: MaxPackets %d not in [%d, %d]", ErrConfig, cfg.MaxPackets, minPackets, maxPackets)
	}

	a := &Assembler{
		codec:    c,
		rules:    newFrameRules(c),
		maxDelay: cfg.MaxDelay,
		ring:     newRing(cfg.MaxPackets),
		needKey:  c.Video(),
	}
	a.unmarked, _ = a.rules.(unmarkedStart)

	return a, nil
}

// Push hands p to the Assembler, which keeps it (payload included) until its
// frame is emitted or dropped: the caller must not modify it afterwards. now
// is the arrival time; it only needs to be monotonic.
func (a *Assembler) Push(p *rtp.Packet, now time.Time) {
	if p == nil {
		return
	}
	a.stats.Packets++
	if !a.seq.started {
		a.begin(p, now)

		return
	}

	ext := a.seq.unwrap(p.SequenceNumber)
	if ext < a.next {
		a.pushOld(ext, p, now)

		return
	}
	a.staleRun = 0
	if ext-a.next >= a.ring.size() {
		a.makeRoom(ext - a.ring.size() + 1)
	}
	if ext > a.seq.highest {
		for e := max(a.seq.highest+1, a.next); e < ext; e++ {
			a.ring.set(e, slotMissing, nil, now)
		}
		a.seq.advance(ext)
	}
	a.store(ext, p, now)
}

func (a *Assembler) begin(p *rtp.Packet, now time.Time) {
	ext := a.seq.unwrap(p.SequenceNumber)
	a.seq.advance(ext)
	a.next = ext
	a.firstAt = now
	a.gap = true
	a.store(ext, p, now)
}

// pushOld handles a packet numbered before the window.
func (a *Assembler) pushOld(ext int64, p *rtp.Packet, now time.Time) {
	if !a.started && a.seq.highest-ext < a.ring.size() {
		// It was overtaken by the first packet to arrive: nothing has been
		// consumed yet, so the window can still grow backwards.
		for e := ext + 1; e < a.next; e++ {
			if a.ring.lookup(e) == nil { // keep padding already passed
				a.ring.set(e, slotMissing, nil, now)
			}
		}
		a.next = ext
		a.store(ext, p, now)

		return
	}
	switch s := a.ring.lookup(ext); {
	case s != nil && s.state == slotDone:
		a.stats.Duplicates++
		a.staleRun = 0
	case s != nil && s.state == slotLost:
		a.stats.Late++
		a.staleRun = 0
	default:
		a.staleRun++
		if a.staleRun >= maxStaleRun {
			a.resync(p, now)

			return
		}
		a.stats.Late++
	}
}

func (a *Assembler) store(ext int64, p *rtp.Packet, now time.Time) {
	if s := a.ring.lookup(ext); s != nil && s.state != slotMissing {
		a.stats.Duplicates++

		return
	}
	if len(p.Payload) == 0 {
		// Padding still takes a sequence number: it must fill its slot, or
		// it would look like a loss (pion/webrtc#2323).
		a.stats.Padding++
		a.ring.set(ext, slotPadding, nil, now)

		return
	}
	a.stats.Buffered++
	a.ring.set(ext, slotPresent, p, now)
}

// makeRoom gives up every sequence number below target, emitting the
// complete frames among them.
func (a *Assembler) makeRoom(target int64) {
	a.force = max(a.force, target)
	for a.next < target && a.step(time.Time{}) {
	}
}

// resync starts over with p as the first packet, after the sender's
// numbering jumped backwards.
func (a *Assembler) resync(p *rtp.Packet, now time.Time) {
	a.stats.Resyncs++
	a.makeRoom(a.seq.highest + 1)
	clear(a.ring.slots)
	a.seq = seqUnwrapper{}
	a.started = false
	a.force = 0
	a.heldFrom = 0
	a.scanFrom = 0
	a.staleRun = 0
	a.lossSeen()
	a.begin(p, now)
}

// Pop returns the next complete frame, giving up on packets missing for
// MaxDelay as of now. It returns false when no frame is ready.
func (a *Assembler) Pop(now time.Time) (Frame, bool) {
	a.hasWake = false
	for a.outHead == len(a.out) && a.step(now) {
	}
	if a.outHead == len(a.out) {
		return Frame{}, false
	}
	f := a.out[a.outHead]
	a.out[a.outHead] = Frame{}
	a.outHead++
	if a.outHead == len(a.out) {
		a.out, a.outHead = a.out[:0], 0
	}

	return f, true
}

// Deadline is when Pop can next make progress without a new packet (a
// missing packet's MaxDelay runs out). It is valid after Pop returned false;
// false means only a new packet can help.
func (a *Assembler) Deadline() (time.Time, bool) {
	return a.wake, a.hasWake
}

// Flush gives up every missing packet and every frame still incomplete, as
// at the end of the stream; Pop then returns the complete frames that were
// waiting behind them.
func (a *Assembler) Flush() {
	if a.seq.started {
		a.makeRoom(a.seq.highest + 1)
	}
}

// NeedKeyframe reports that a video stream is waiting for a keyframe: before
// the first one, and after a loss. The caller should send a PLI (rate
// limited) while it is true.
func (a *Assembler) NeedKeyframe() bool {
	return a.needKey
}

// Stats returns the counters so far.
func (a *Assembler) Stats() Stats {
	return a.stats
}
