package ivf

import (
	"math"
	"math/big"
	"testing"
	"time"
)

// exactTicks is pts*num*clock/den rounded half up, computed with big.Int as
// the reference for mulDivRound.
func exactTicks(pts uint64, num, den uint32, clock uint64) uint64 {
	n := new(big.Int).SetUint64(pts)
	n.Mul(n, big.NewInt(int64(num)))
	n.Mul(n, new(big.Int).SetUint64(clock))
	n.Lsh(n, 1).Add(n, big.NewInt(int64(den))) // 2x + den, then / 2den: round half up
	n.Quo(n, big.NewInt(2*int64(den)))
	return n.Uint64()
}

func TestTicksNoDrift(t *testing.T) {
	timebases := []struct{ num, den uint32 }{{1, 30}, {1, 24}, {1, 1000}, {1, 90000}, {1001, 30000}, {1, 25}}
	clocks := []uint32{90000, 48000, 1000, 30}
	var pts []uint64
	for p := range uint64(30000) { // 17 minutes at 30 fps, frame by frame
		pts = append(pts, p)
	}
	for p := uint64(1 << 20); p < 1<<50; p = p*3 + 1 { // then years, sparsely
		pts = append(pts, p)
	}
	for _, tb := range timebases {
		h := Header{TimebaseNum: tb.num, TimebaseDen: tb.den}
		for _, clock := range clocks {
			for _, pts := range pts {
				got := h.Ticks(pts, clock)
				if want := exactTicks(pts, tb.num, tb.den, uint64(clock)); got != want {
					t.Fatalf("%d/%d at %d Hz: Ticks(%d) = %d, want %d", tb.num, tb.den, clock, pts, got, want)
				}
			}
		}
	}
}

func TestTicksExamples(t *testing.T) {
	tests := []struct {
		num, den uint32
		clock    uint32
		pts      []uint64
		want     []uint64
	}{
		{1, 30, 90000, []uint64{0, 1, 2, 3, 300}, []uint64{0, 3000, 6000, 9000, 900000}},
		{1, 24, 90000, []uint64{0, 1, 2, 24}, []uint64{0, 3750, 7500, 90000}},
		{1001, 30000, 90000, []uint64{0, 1, 2, 30000}, []uint64{0, 3003, 6006, 90090000}},
		// VFR: each frame keeps its own time (the vfr.ivf pattern).
		{1, 1000, 90000, []uint64{0, 15, 60, 100, 2960}, []uint64{0, 1350, 5400, 9000, 266400}},
		{1, 90000, 90000, []uint64{0, 3003, 1<<40 + 7}, []uint64{0, 3003, 1<<40 + 7}},
		// 24 fps on a 1 kHz clock: 41.67 ms frames round to 42, 83, 125,
		// never to a fixed 41 ms step.
		{1, 24, 1000, []uint64{1, 2, 3, 24, 2400}, []uint64{42, 83, 125, 1000, 100000}},
		// Saturation, not wraparound or a panic.
		{1, 1, 90000, []uint64{math.MaxUint64}, []uint64{math.MaxUint64}},
		{1, 0, 90000, []uint64{5}, []uint64{0}},
	}
	for _, tt := range tests {
		h := Header{TimebaseNum: tt.num, TimebaseDen: tt.den}
		for i, pts := range tt.pts {
			if got := h.Ticks(pts, tt.clock); got != tt.want[i] {
				t.Errorf("%d/%d at %d Hz: Ticks(%d) = %d, want %d", tt.num, tt.den, tt.clock, pts, got, tt.want[i])
			}
		}
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		num, den uint32
		pts      uint64
		want     time.Duration
	}{
		{1, 30, 30, time.Second},
		{1, 30, 1, 33333333}, // 33.333333 ms, rounded
		{1, 30, 2, 66666667},
		{1, 24, 72, 3 * time.Second},
		{1001, 30000, 30000, 1001 * time.Second},
		{1, 1000, 2960, 2960 * time.Millisecond},
		{1, 90000, 90000 * 3600, time.Hour},
		{1, 1, math.MaxUint64, time.Duration(math.MaxInt64)},
		{1, 0, 1, 0},
	}
	for _, tt := range tests {
		h := Header{TimebaseNum: tt.num, TimebaseDen: tt.den}
		if got := h.Duration(tt.pts); got != tt.want {
			t.Errorf("%d/%d: Duration(%d) = %v, want %v", tt.num, tt.den, tt.pts, got, tt.want)
		}
	}
	// No drift: frame n of a 1/30 file is n/30 s to the nanosecond.
	h := Header{TimebaseNum: 1, TimebaseDen: 30}
	for n := uint64(0); n < 108000; n++ {
		exact := time.Duration(exactTicks(n, 1, 30, uint64(time.Second)))
		if got := h.Duration(n); got != exact {
			t.Fatalf("Duration(%d) = %v, want %v", n, got, exact)
		}
	}
}
