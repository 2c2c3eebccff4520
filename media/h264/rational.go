package h264

import (
	"fmt"
	"math"
)

// Rational is a frame rate of Num/Den frames per second, e.g. {25, 1} or
// {30000, 1001}. The zero value means "not given".
type Rational struct {
	Num, Den uint32
}

func (r Rational) String() string {
	if r.Den == 1 {
		return fmt.Sprint(r.Num)
	}
	return fmt.Sprintf("%d/%d", r.Num, r.Den)
}

// mul2den halves r, reduced: a VUI tick is half a frame.
func (r Rational) mul2den() Rational {
	num, den := uint64(r.Num), 2*uint64(r.Den)
	g := gcd(num, den)
	num, den = num/g, den/g
	for den > math.MaxUint32 || num > math.MaxUint32 {
		num, den = num>>1, den>>1 // 2^32-scale ticks only; precision beyond use
	}
	return Rational{Num: uint32(num), Den: uint32(max(den, 1))}
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return max(a, 1)
}
