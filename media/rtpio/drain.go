package rtpio

import (
	"time"

	"github.com/pion/rtp"
)

// step consumes what is at next: a lost packet, padding, a stray packet, or a
// whole frame. It returns false when it must wait, for a packet or a timer.
func (a *Assembler) step(now time.Time) bool {
	if !a.seq.started {
		return false
	}
	if a.next > a.seq.highest {
		if a.next >= a.force {
			return false
		}
		// The numbering jumped past the whole window.
		a.stats.Lost += uint64(a.force - a.next)
		a.next = a.force
		a.lossSeen()

		return true
	}

	s := a.ring.at(a.next)
	switch s.state {
	case slotMissing:
		if !a.expired(a.next, s.at, now) {
			a.wakeAt(s.at)

			return false
		}
		s.state = slotLost
		a.stats.Lost++
		a.lossSeen()
		a.consumed(a.next)

		return true
	case slotPadding, slotDone:
		// Padding (done: already passed once, before the window grew
		// back) ends no startup hold: it says nothing about the media.
		s.state = slotDone
		a.next++

		return true
	}

	if a.scanFrom == a.next+1 {
		return a.scanFrame(now) // started earlier, and its start was checked then
	}
	if !a.canStart(s.pkt) {
		if a.holding(now) {
			// At the start, the packets before it may still be on their way.
			a.wakeAt(a.firstAt)

			return false
		}
		// The rest of a frame whose start is gone.
		a.stats.Discarded += uint64(a.release(a.next, a.next))
		a.lossSeen()
		a.consumed(a.next)

		return true
	}

	return a.scanFrame(now)
}

func (a *Assembler) canStart(p *rtp.Packet) bool {
	if a.codec.Video() && a.haveTS && p.Timestamp == a.lastTS {
		// A start inside a frame already consumed (a later layer of a
		// dropped VP9/AV1 picture) cannot begin a new one.
		return false
	}

	return a.rules.start(p.Payload)
}

// scanFrame collects the frame starting at next and finishes it once its
// last packet is in, or drops it once a packet of it is lost.
//
// A scan that has to wait resumes where it stopped: the packets it passed
// cannot change, and rescanning a 30-packet keyframe on every Pop would make
// a frame cost O(packets²).
func (a *Assembler) scanFrame(now time.Time) bool {
	first := a.ring.at(a.next).pkt
	e := a.next
	if a.scanFrom == a.next+1 {
		e = a.scanAt
	} else {
		a.pkts = a.pkts[:0]
		a.scanFrom = a.next + 1
	}
	for ; ; e++ {
		if e > a.seq.highest {
			if a.next < a.force {
				return a.dropFrame(a.next, e-1)
			}
			a.scanAt = e

			return false // the rest has not arrived; nothing known missing yet
		}
		s := a.ring.at(e)
		switch s.state {
		case slotMissing:
			if a.next < a.force || a.expired(e, s.at, now) {
				return a.dropFrame(a.next, e-1)
			}
			a.scanAt = e
			a.wakeAt(s.at)

			return false
		case slotPadding, slotDone:
			continue
		}
		if e > a.next && s.pkt.Timestamp != first.Timestamp {
			// Contiguous, so nothing is missing: the sender left the
			// marker bit off the previous packet.
			return a.finish(a.next, e-1, now)
		}
		a.pkts = append(a.pkts, s.pkt)
		if s.pkt.Marker || a.rules.single() {
			return a.finish(a.next, e, now)
		}
	}
}

// finish turns the packets of [from, to] (in a.pkts) into a frame and emits
// or drops it.
func (a *Assembler) finish(from, to int64, now time.Time) bool {
	if a.heldFrom == from+1 && a.holding(now) {
		a.scanFrom = 0 // a.pkts is complete; rescan rather than append twice
		a.wakeAt(a.firstAt)

		return false
	}
	first := a.pkts[0]
	last := a.pkts[len(a.pkts)-1]
	// Assemble straight into the caller's buffer: the payloads' total plus
	// a little for AV1's re-added size fields is nearly always enough.
	size := len(temporalDelimiter)
	for _, p := range a.pkts {
		size += len(p.Payload) + 2
	}
	buf, key, err := a.rules.assemble(make([]byte, 0, size), a.pkts)
	if key && a.gap && a.unmarked != nil && !a.unmarked.firstOnly(first.Payload) {
		key = false // its first packets may be lost: not a frame to start from
	}
	if err == nil && a.needKey && !key && a.holding(now) {
		// The keyframe before it may still be arriving out of order.
		a.heldFrom = from + 1
		a.scanFrom = 0
		a.wakeAt(a.firstAt)

		return false
	}

	n := a.release(from, to)
	a.noteTimestamp(first.Timestamp)
	switch {
	case err != nil:
		a.stats.Discarded += uint64(n)
		a.stats.FramesDropped++
		a.lossSeen()
	case a.needKey && !key:
		a.stats.Discarded += uint64(n)
		a.stats.FramesDropped++
		a.discont = true
	default:
		if key {
			a.needKey = false
		}
		a.emit(Frame{
			Data:          buf,
			Timestamp:     uint64(a.ts.last), // starts at 2^32, never negative
			Keyframe:      key,
			Discontinuity: a.discont,
			FirstSeq:      first.SequenceNumber,
			LastSeq:       last.SequenceNumber,
			Packets:       n,
		})
	}
	a.gap = false // the frame ran to its end: the next packet starts one
	a.consumed(to)

	return true
}

// dropFrame discards the incomplete frame in [from, to].
func (a *Assembler) dropFrame(from, to int64) bool {
	a.noteTimestamp(a.ring.at(from).pkt.Timestamp)
	a.stats.Discarded += uint64(a.release(from, to))
	a.stats.FramesDropped++
	a.lossSeen()
	a.consumed(to)

	return true
}

func (a *Assembler) emit(f Frame) {
	if len(a.out)-a.outHead >= int(a.ring.size()) {
		// Nobody is calling Pop; keep memory bounded.
		a.stats.Discarded += uint64(f.Packets)
		a.stats.FramesDropped++
		a.lossSeen()

		return
	}
	a.discont = false
	a.stats.Delivered += uint64(f.Packets)
	a.stats.Frames++
	a.out = append(a.out, f)
}

// release marks [from, to] consumed and returns how many media packets it
// held.
func (a *Assembler) release(from, to int64) int {
	n := 0
	for e := from; e <= to; e++ {
		s := a.ring.at(e)
		if s.state == slotPresent {
			n++
		}
		s.state = slotDone
		s.pkt = nil
	}
	a.stats.Buffered -= uint64(n)

	return n
}

func (a *Assembler) consumed(last int64) {
	a.next = last + 1
	a.started = true
	a.heldFrom = 0
	a.scanFrom = 0
}

func (a *Assembler) noteTimestamp(ts uint32) {
	a.ts.unwrap(ts)
	a.lastTS = ts
	a.haveTS = true
}

func (a *Assembler) lossSeen() {
	a.discont = true
	a.gap = true
	if a.codec.Video() && !a.needKey {
		a.needKey = true
		a.stats.KeyframeWaits++
	}
}

func (a *Assembler) expired(ext int64, since, now time.Time) bool {
	return ext < a.force || now.Sub(since) >= a.maxDelay
}

// holding reports the startup hold: until MaxDelay after the first packet,
// video frames that cannot be emitted are kept rather than dropped, in case
// packets that the first one overtook are still arriving.
func (a *Assembler) holding(now time.Time) bool {
	return !a.started && a.codec.Video() && a.next >= a.force && now.Sub(a.firstAt) < a.maxDelay
}

func (a *Assembler) wakeAt(since time.Time) {
	a.wake = since.Add(a.maxDelay)
	a.hasWake = true
}
