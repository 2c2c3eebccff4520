package rtpio

import (
	"time"

	"github.com/pion/rtp"
)

// slotState is what is known about one sequence number.
type slotState uint8

const (
	// Pending states: sequence numbers from next up to highest.
	slotMissing slotState = iota + 1 // a later packet arrived, this one not yet
	slotPresent                      // buffered, waiting to become part of a frame
	slotPadding                      // arrived without payload; only fills the gap
	// History states: below next, kept until the slot is reused, so that a
	// copy arriving afterwards can be told apart from a late packet.
	slotDone // received and consumed (or padding passed before the window grew back)
	slotLost // given up on
)

type slot struct {
	ext   int64 // extended sequence number this slot describes
	state slotState
	pkt   *rtp.Packet // &own, or nil
	// at is when the packet arrived (present) or when it was found missing.
	at time.Time
	// own is the slot's copy of its packet, in buffers the slot reuses:
	// the caller may reuse what it pushed, and a packet costs no
	// allocation once the ring has gone round.
	own rtp.Packet
}

// ring holds one slot per sequence number in a window of len(slots). The
// Assembler keeps every pending number inside it, so a slot whose ext does
// not match is simply unknown.
type ring struct {
	slots []slot
}

func newRing(n int) ring {
	return ring{slots: make([]slot, n)}
}

func (r *ring) size() int64 {
	return int64(len(r.slots))
}

func (r *ring) at(ext int64) *slot {
	return &r.slots[ext%r.size()]
}

// lookup returns the slot describing ext, or nil if it describes another
// sequence number.
func (r *ring) lookup(ext int64) *slot {
	s := r.at(ext)
	if s.ext != ext || s.state == 0 {
		return nil
	}

	return s
}

// set makes the slot of ext describe ext in state st, with a copy of pkt.
// Header extensions and CSRCs are not kept: frames are made of payloads.
func (r *ring) set(ext int64, st slotState, pkt *rtp.Packet, at time.Time) {
	s := r.at(ext)
	s.ext, s.state, s.at, s.pkt = ext, st, at, nil
	if pkt == nil {
		return
	}
	payload := append(s.own.Payload[:0], pkt.Payload...)
	s.own.Header = pkt.Header
	s.own.Header.Extensions, s.own.Header.CSRC = nil, nil
	s.own.Payload, s.own.PaddingSize = payload, pkt.PaddingSize
	s.pkt = &s.own
}
