package pace

import (
	"sync"
	"time"
)

// fakeClock moves only when the test advances it. Every arming of a timer is
// announced on armed, so the test knows the Pacer is waiting without
// sleeping.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
	made   int
	armed  chan time.Duration
}

func newFakeClock(now time.Time) *fakeClock {
	return &fakeClock{now: now, armed: make(chan time.Duration, 1)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()

	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) timer {
	c.mu.Lock()
	t := &fakeTimer{clock: c, c: make(chan time.Time, 1)}
	c.timers = append(c.timers, t)
	c.made++
	c.mu.Unlock()
	t.Reset(d)

	return t
}

// Advance moves time on and fires the timers that are due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for _, t := range c.timers {
		if t.active && !t.at.After(c.now) {
			t.active = false
			t.c <- c.now
		}
	}
}

type fakeTimer struct {
	clock  *fakeClock
	c      chan time.Time
	at     time.Time
	active bool
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Reset(d time.Duration) bool {
	t.clock.mu.Lock()
	was := t.stopLocked()
	t.at = t.clock.now.Add(d)
	t.active = true
	t.clock.mu.Unlock()
	t.clock.armed <- d

	return was
}

func (t *fakeTimer) Stop() bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()

	return t.stopLocked()
}

// stopLocked also drains a fired but unreceived expiry, as Go 1.23 timers do.
func (t *fakeTimer) stopLocked() bool {
	was := t.active
	t.active = false
	select {
	case <-t.c:
	default:
	}

	return was
}
