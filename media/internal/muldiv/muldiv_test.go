package muldiv

import (
	"math"
	"math/big"
	"testing"
)

// exact is round(a*b/d), halves up, in big.Int: the reference.
func exact(a, b, d uint64) *big.Int {
	n := new(big.Int).Mul(new(big.Int).SetUint64(a), new(big.Int).SetUint64(b))
	n.Add(n, new(big.Int).SetUint64(d/2))
	return n.Quo(n, new(big.Int).SetUint64(d))
}

func TestRound(t *testing.T) {
	for _, c := range []struct{ a, b, d uint64 }{
		{0, 0, 1}, {1, 1, 2}, {1, 1, 3}, {2, 1, 3}, {29, 90000, 30}, {41, 1000, 24},
		{1 << 40, 90000 * 1001, 30000}, {math.MaxUint64, 1, 1}, {math.MaxUint64, 3, 3},
		{math.MaxUint64, math.MaxUint64, math.MaxUint64}, {math.MaxUint64, 2, 3}, {math.MaxUint64, 2, 1},
	} {
		want := exact(c.a, c.b, c.d)
		got := Round(c.a, c.b, c.d)
		if want.IsUint64() && got != want.Uint64() || !want.IsUint64() && got != math.MaxUint64 {
			t.Errorf("Round(%d, %d, %d) = %d, want %s (saturated at 2^64-1)", c.a, c.b, c.d, got, want)
		}
	}
	if got := Round(5, 7, 0); got != 0 {
		t.Errorf("Round by zero = %d, want 0", got)
	}
}
