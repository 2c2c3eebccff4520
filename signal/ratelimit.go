package signal

import "time"

// bucket is a token bucket; it is used only by its connection's reader
// goroutine, so it needs no lock.
type bucket struct {
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
}

func newBucket(rate float64, burst int, now time.Time) bucket {
	return bucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: now}
}

// take removes one token and reports whether there was one.
func (b *bucket) take(now time.Time) bool {
	if b.rate <= 0 {
		return true
	}
	b.tokens += now.Sub(b.last).Seconds() * b.rate
	b.last = now
	if b.tokens > b.burst {
		b.tokens = b.burst
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// limiter drops messages over the rate and decides when a connection abuses
// it persistently. Every dropped message spends a token of a second, slower
// bucket (capacity twice the burst, refilled at a tenth of the rate): a
// client slightly over the rate only loses messages, one flooding at twice
// the default rate is closed after about ten seconds.
type limiter struct {
	msgs     bucket
	abuse    bucket
	lastWarn time.Time
}

func newLimiter(rate float64, burst int, now time.Time) limiter {
	return limiter{
		msgs:  newBucket(rate, burst, now),
		abuse: newBucket(rate/10, 2*burst, now),
	}
}

// allow reports whether the message may pass, whether the client should be
// told (at most once a second), and whether it should be disconnected.
func (l *limiter) allow(now time.Time) (ok, warn, abusive bool) {
	if l.msgs.take(now) {
		return true, false, false
	}
	if !l.abuse.take(now) {
		return false, false, true
	}
	if now.Sub(l.lastWarn) >= time.Second {
		l.lastWarn = now
		warn = true
	}
	return false, warn, false
}
