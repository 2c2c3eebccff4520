package pace

import (
	"context"
	"testing"
	"time"
)

// BenchmarkPacingError paces 2 s of frames per iteration on the real clock
// and reports how late the wake-ups were. "ticker" is the anchor to beat:
// pion's play-from-disk, a ticker truncated to whole milliseconds.
func BenchmarkPacingError(b *testing.B) {
	const seconds = 2
	cfr := func(fps int) func(i int) time.Duration {
		return func(i int) time.Duration { return time.Duration(i) * time.Second / time.Duration(fps) }
	}
	// A variable-rate file in a 1/1000 timebase: 24 fps rounded to whole
	// milliseconds (41, 42, 42, 41, ... ms), as ffmpeg writes it.
	vfr := func(i int) time.Duration {
		return time.Duration((i*1000+12)/24) * time.Millisecond
	}
	for _, c := range []struct {
		name   string
		frames int
		offset func(int) time.Duration
	}{
		{"cfr-24fps", 24 * seconds, cfr(24)},
		{"cfr-120fps", 120 * seconds, cfr(120)},
		{"vfr-1ms-timebase", 24 * seconds, vfr},
	} {
		b.Run(c.name, func(b *testing.B) {
			p := New(time.Now())
			ctx := context.Background()
			var base time.Duration
			var drift time.Duration
			for b.Loop() {
				for i := range c.frames {
					target := base + c.offset(i)
					if err := p.Wait(ctx, target); err != nil {
						b.Fatal(err)
					}
					drift = time.Since(p.start) - target
				}
				base += c.offset(c.frames)
			}
			_, p50, p99, maxLate := p.Stats()
			reportMS(b, p50, "p50-ms")
			reportMS(b, p99, "p99-ms")
			reportMS(b, maxLate, "max-ms")
			reportMS(b, drift, "drift-ms")
		})
	}
	b.Run("ticker-baseline-24fps", func(b *testing.B) {
		var drift time.Duration
		for b.Loop() {
			start := time.Now()
			tick := time.NewTicker(time.Millisecond * time.Duration(1000/24))
			for i := 1; i < 24*seconds; i++ {
				<-tick.C
				drift = time.Since(start) - time.Duration(i)*time.Second/24
			}
			tick.Stop()
		}
		reportMS(b, drift, "drift-ms")
	})
}

func reportMS(b *testing.B, d time.Duration, unit string) {
	b.ReportMetric(float64(d)/float64(time.Millisecond), unit)
}
