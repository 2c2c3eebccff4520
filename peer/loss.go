package peer

import (
	"math/rand/v2"
	"sync"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// lossFactory builds an interceptor that drops a fraction of outgoing RTP
// packets, first transmissions and retransmissions alike, from a seeded
// generator so that a test run can be repeated. It drops on the way out,
// before SRTP: dropping after the receiver's SRTP had seen a packet would
// make its replay protection refuse the retransmission, which no real
// network does.
type lossFactory struct {
	rate float64
	seed int64
	n    uint64
	mu   sync.Mutex
}

func (f *lossFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	f.mu.Lock()
	f.n++
	seed := uint64(f.seed) + f.n
	f.mu.Unlock()
	return &lossInterceptor{rate: f.rate, rng: rand.New(rand.NewPCG(seed, seed*7919))}, nil
}

type lossInterceptor struct {
	interceptor.NoOp
	rate float64
	mu   sync.Mutex
	rng  *rand.Rand
}

func (l *lossInterceptor) drop() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rng.Float64() < l.rate
}

func (l *lossInterceptor) BindLocalStream(_ *interceptor.StreamInfo, writer interceptor.RTPWriter) interceptor.RTPWriter {
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		if l.drop() {
			return len(payload), nil
		}
		return writer.Write(h, payload, a)
	})
}
