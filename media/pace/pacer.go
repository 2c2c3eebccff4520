package pace

import (
	"context"
	"sync"
	"time"
)

// Pacer waits for frame times measured from one anchor. Wait is for one
// goroutine at a time; Stats may be called from any.
type Pacer struct {
	start time.Time
	clock clock
	timer timer // one timer for every Wait: a frame loop must not allocate one per frame

	mu   sync.Mutex
	hist histogram
}

// New returns a Pacer whose offsets count from start. Pass a time.Now()
// value: its monotonic reading keeps the pacing immune to wall-clock steps.
func New(start time.Time) *Pacer {
	return newPacer(start, realClock{})
}

func newPacer(start time.Time, c clock) *Pacer {
	return &Pacer{start: start, clock: c}
}

// Wait returns at start+offset, at once if that is past, or with ctx.Err()
// if ctx ends first. The caller computes offset exactly from the file's
// timebase (pts × num / den), so frame times never round cumulatively.
func (p *Pacer) Wait(ctx context.Context, offset time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	target := p.start.Add(offset)
	if d := target.Sub(p.clock.Now()); d > 0 {
		if p.timer == nil {
			p.timer = p.clock.NewTimer(d)
		} else {
			p.timer.Reset(d)
		}
		select {
		case <-p.timer.C():
		case <-ctx.Done():
			p.timer.Stop()

			return ctx.Err()
		}
	}
	late := p.clock.Now().Sub(target)

	p.mu.Lock()
	p.hist.record(late)
	p.mu.Unlock()

	return nil
}

// Stats reports how late Wait returned relative to its targets: the number
// of waits, the median, the 99th percentile (both within about 3%) and the
// maximum (exact).
func (p *Pacer) Stats() (count int, p50, p99, maxLate time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()

	return p.hist.n, p.hist.quantile(0.50), p.hist.quantile(0.99), p.hist.max
}
