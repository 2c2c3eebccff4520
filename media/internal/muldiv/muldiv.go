// Package muldiv converts between timebases exactly: round(a*b/d) with a
// 128-bit product, so a timestamp is scaled from its own value in one step
// and no rounding error is ever added up. media/ivf and media/h264 time
// frames with it.
package muldiv

import (
	"math"
	"math/bits"
)

// Round returns round(a*b/d), rounding halves up. It saturates at
// math.MaxUint64 and returns 0 for d == 0, rather than panicking, so
// timestamps from a damaged file stay harmless.
func Round(a, b, d uint64) uint64 {
	if d == 0 {
		return 0
	}
	hi, lo := bits.Mul64(a, b)
	var carry uint64
	lo, carry = bits.Add64(lo, d/2, 0)
	hi += carry
	if hi >= d { // the quotient would not fit in 64 bits; bits.Div64 would panic
		return math.MaxUint64
	}
	q, _ := bits.Div64(hi, lo, d)
	return q
}
