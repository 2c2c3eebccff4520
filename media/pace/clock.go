package pace

import "time"

// clock is time as the Pacer sees it; tests replace it to drive time by hand.
type clock interface {
	Now() time.Time
	NewTimer(d time.Duration) timer
}

type timer interface {
	C() <-chan time.Time
	// Reset and Stop have Go 1.23 semantics (the module's go version):
	// after either, no stale expiry is received from C.
	Reset(d time.Duration) bool
	Stop() bool
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTimer(d time.Duration) timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time { return r.t.C }

func (r realTimer) Reset(d time.Duration) bool { return r.t.Reset(d) }

func (r realTimer) Stop() bool { return r.t.Stop() }
