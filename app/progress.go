package app

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// startProgress calls f about once a second until ctx ends or the
// returned stop is called; stop returns once f will not run again, so no
// progress line can follow the final status.
func startProgress(ctx context.Context, f func()) (stop func()) {
	return startProgressEvery(ctx, time.Second, f)
}

func startProgressEvery(ctx context.Context, period time.Duration, f func()) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				f()
			}
		}
	})
	return func() {
		cancel()
		wg.Wait()
	}
}

func byteCount(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
