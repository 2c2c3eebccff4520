package pace

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

var anchor = time.Unix(5000, 0)

// waitResult runs Wait in a goroutine; the test drives the clock meanwhile.
func waitAsync(p *Pacer, ctx context.Context, offset time.Duration) <-chan error {
	done := make(chan error, 1)
	go func() { done <- p.Wait(ctx, offset) }()

	return done
}

func recv[T any](t *testing.T, c <-chan T) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("timed out")
	}
	panic("unreachable")
}

// TestWaitNoDrift: each deadline comes from the anchor, so a wake-up 3 ms
// late shortens the next wait instead of pushing every later frame back.
func TestWaitNoDrift(t *testing.T) {
	clk := newFakeClock(anchor)
	p := newPacer(anchor, clk)
	ctx := context.Background()
	const lateBy = 3 * time.Millisecond
	for i := 1; i <= 100; i++ {
		offset := time.Duration(i) * time.Second / 24 // 41.666… ms, not truncated
		done := waitAsync(p, ctx, offset)
		d := recv(t, clk.armed)
		if want := anchor.Add(offset).Sub(clk.Now()); d != want {
			t.Fatalf("frame %d: armed for %v, want %v", i, d, want)
		}
		clk.Advance(d + lateBy)
		if err := recv(t, done); err != nil {
			t.Fatal(err)
		}
	}
	if clk.made != 1 {
		t.Errorf("%d timers made, want one reused", clk.made)
	}
	n, p50, p99, maxLate := p.Stats()
	if n != 100 || maxLate != lateBy || p50 < lateBy*31/32 || p50 > lateBy || p99 > lateBy {
		t.Errorf("Stats() = %d, %v, %v, %v", n, p50, p99, maxLate)
	}
}

func TestWaitLate(t *testing.T) {
	clk := newFakeClock(anchor.Add(time.Second))
	p := newPacer(anchor, clk)
	// Already 500 ms late: no timer, no waiting.
	if err := p.Wait(context.Background(), 500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if clk.made != 0 {
		t.Fatal("armed a timer for a past deadline")
	}
	if n, _, _, maxLate := p.Stats(); n != 1 || maxLate != 500*time.Millisecond {
		t.Fatalf("Stats() = %d, max %v", n, maxLate)
	}
}

func TestWaitCancel(t *testing.T) {
	clk := newFakeClock(anchor)
	p := newPacer(anchor, clk)
	ctx, cancel := context.WithCancel(context.Background())
	done := waitAsync(p, ctx, time.Second)
	recv(t, clk.armed)
	cancel()
	if err := recv(t, done); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if err := p.Wait(ctx, 2*time.Second); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait on a canceled context: %v", err)
	}
	// The stopped timer is reused and fires once, with no stale expiry.
	done = waitAsync(p, context.Background(), 2*time.Second)
	d := recv(t, clk.armed)
	clk.Advance(d)
	if err := recv(t, done); err != nil {
		t.Fatal(err)
	}
	if n, _, _, _ := p.Stats(); n != 1 || clk.made != 1 {
		t.Fatalf("%d waits recorded, %d timers", n, clk.made)
	}
}

// TestWaitRealClock paces a few frames on the real clock: never early.
func TestWaitRealClock(t *testing.T) {
	start := time.Now()
	p := New(start)
	for i := range 5 {
		offset := time.Duration(i) * 2 * time.Millisecond
		if err := p.Wait(context.Background(), offset); err != nil {
			t.Fatal(err)
		}
		if early := start.Add(offset).Sub(time.Now()); early > 0 {
			t.Fatalf("frame %d: returned %v early", i, early)
		}
	}
	if n, _, _, _ := p.Stats(); n != 5 {
		t.Fatalf("%d waits", n)
	}
}

func TestStatsConcurrent(t *testing.T) {
	p := New(time.Now())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 50 {
			_ = p.Wait(context.Background(), time.Duration(i)*100*time.Microsecond)
		}
	}()
	for {
		select {
		case <-done:
			if n, _, _, _ := p.Stats(); n != 50 {
				t.Fatalf("%d waits", n)
			}

			return
		default:
			p.Stats()
		}
	}
}

// TestHistogramQuantiles compares with exact quantiles of sorted samples.
func TestHistogramQuantiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, dist := range []struct {
		name string
		gen  func() time.Duration
	}{
		{"uniform-ms", func() time.Duration { return time.Duration(rng.Int64N(int64(20 * time.Millisecond))) }},
		{"exp-us", func() time.Duration { return time.Duration(rng.ExpFloat64() * 80e3) }},
		{"tiny", func() time.Duration { return time.Duration(rng.IntN(40)) }},
		{"hours", func() time.Duration { return time.Duration(rng.Int64N(int64(100 * time.Hour))) }},
	} {
		t.Run(dist.name, func(t *testing.T) {
			var h histogram
			samples := make([]time.Duration, 10000)
			for i := range samples {
				samples[i] = dist.gen()
				h.record(samples[i])
			}
			slices.Sort(samples)
			for _, q := range []float64{0.5, 0.9, 0.99, 1} {
				exact := samples[int(q*float64(len(samples)-1)+0.5)]
				got := h.quantile(q)
				if diff := (got - exact).Abs(); diff > exact/32+1 {
					t.Errorf("q%v = %v, exact %v", q, got, exact)
				}
			}
			if h.max != samples[len(samples)-1] {
				t.Errorf("max %v, want %v", h.max, samples[len(samples)-1])
			}
		})
	}
}

func TestBucketsCoverEveryDuration(t *testing.T) {
	for _, v := range []uint64{0, 1, 31, 32, 33, 1000, 1 << 40, 1<<63 - 1} {
		i := bucketOf(v)
		low, width := bucketRange(i)
		if i < 0 || i >= numBuckets || v < low || v >= low+width {
			t.Errorf("%d: bucket %d [%d, +%d)", v, i, low, width)
		}
	}
	for i := 1; i < numBuckets; i++ {
		low, _ := bucketRange(i)
		prevLow, prevWidth := bucketRange(i - 1)
		if low != prevLow+prevWidth || bucketOf(low) != i {
			t.Fatalf("bucket %d starts at %d after [%d, +%d)", i, low, prevLow, prevWidth)
		}
	}
}
