package ivf

import (
	"math"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/internal/muldiv"
)

// Ticks converts pts to a clock of clockRate Hz (90000 for RTP video),
// rounding to the nearest tick. Each frame is converted from its own PTS,
// never by adding up rounded intervals, so the error stays under half a tick
// and never accumulates: 1/30 gives 0, 3000, 6000..., 1/24 at 1 kHz gives
// 0, 42, 83, 125... It saturates at math.MaxUint64 and returns 0 for a zero
// timebase denominator rather than panicking.
func (h Header) Ticks(pts uint64, clockRate uint32) uint64 {
	// num*clock fits in 64 bits (two 32-bit factors); times pts needs 128.
	return muldiv.Round(pts, uint64(h.TimebaseNum)*uint64(clockRate), uint64(h.TimebaseDen))
}

// Duration is the time of pts from the start of the timeline, rounded to the
// nearest nanosecond; it saturates at the largest time.Duration.
func (h Header) Duration(pts uint64) time.Duration {
	ns := muldiv.Round(pts, uint64(h.TimebaseNum)*uint64(time.Second), uint64(h.TimebaseDen))
	if ns > math.MaxInt64 {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(ns)
}
