package rtpio

// tsOrigin is where unwrapped timestamps start: far enough from zero that a
// frame stamped before the first one (H264 B-frames, or reordering) stays
// positive.
const tsOrigin = 1 << 32

// seqUnwrapper extends 16-bit sequence numbers to int64 relative to the
// highest one seen, so a jump of less than half the space in either
// direction is read as the shorter way round.
type seqUnwrapper struct {
	highest int64
	started bool
}

func (u *seqUnwrapper) unwrap(seq uint16) int64 {
	if !u.started {
		return int64(seq) + 1<<16 // room below for reordered early packets
	}

	return u.highest + int64(int16(seq-uint16(u.highest))) // wraps on purpose
}

func (u *seqUnwrapper) advance(ext int64) {
	if !u.started || ext > u.highest {
		u.highest = ext
		u.started = true
	}
}

// tsUnwrapper extends 32-bit RTP timestamps relative to the previous one.
type tsUnwrapper struct {
	last    int64
	started bool
}

func (u *tsUnwrapper) unwrap(ts uint32) int64 {
	if !u.started {
		u.last = tsOrigin + int64(ts)
		u.started = true

		return u.last
	}
	u.last += int64(int32(ts - uint32(u.last))) // wraps on purpose

	return u.last
}
