package app

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media"
	"github.com/webrtc-cli/webrtc-cli/media/rtpio"
	"github.com/webrtc-cli/webrtc-cli/peer"
)

// freezeGap is a pause in a video track that counts as a freeze.
const freezeGap = 500 * time.Millisecond

// probe is one subscriber's stand-in for files: it measures each track.
type probe struct {
	lt    *load
	name  string
	start time.Time              // when the subscriber began to join
	scope atomic.Pointer[string] // its id in the room: the publishers' stamps for it
}

func (p *probe) sink(c *peer.Call, codec *media.Codec) media.Sink {
	t := &loadTrack{p: p, publisher: c.Remote.Name, kind: codec.Kind.String(), codec: codec.Name, video: codec.Video()}
	if t.publisher == "" {
		t.publisher = c.Remote.ID
	}
	p.lt.addTrack(t)
	return t
}

// tick takes a track's packet counts: lost is after retransmission.
func (p *probe) tick(sink media.Sink, s rtpio.Stats) {
	if t, ok := sink.(*loadTrack); ok {
		t.packets.Store(int64(s.Delivered + s.Discarded + s.Buffered))
		t.lost.Store(int64(s.Lost))
	}
}

func (p *probe) pli() { p.lt.plis.Add(1) }

// loadTrack is what one subscriber measures of one track.
type loadTrack struct {
	p         *probe
	publisher string
	kind      string
	codec     string
	video     bool

	frames  atomic.Int64
	bytes   atomic.Int64
	packets atomic.Int64 // arrived, each once
	lost    atomic.Int64 // never arrived, retransmissions included

	mu      sync.Mutex
	first   time.Time // first frame
	last    time.Time
	freezes int
	lat     []float32 // ms, frames with a stamp
}

// trackKey names a track whatever call brought it: a subscriber, a
// publisher, a kind.
type trackKey struct{ sub, pub, kind string }

func (t *loadTrack) key() trackKey { return trackKey{t.p.name, t.publisher, t.kind} }

func (t *loadTrack) WriteFrame(f media.Frame) error {
	now := time.Now()
	t.frames.Add(1)
	t.bytes.Add(int64(len(f.Data)))
	var lat float64
	stamped := false
	if t.video {
		scope := ""
		if s := t.p.scope.Load(); s != nil {
			scope = *s
		}
		if at, ok := t.p.lt.stamps.get(scope, f.Data); ok {
			lat, stamped = float64(now.Sub(at))/float64(time.Millisecond), true
		}
	}
	t.mu.Lock()
	if t.first.IsZero() {
		t.first = now
	} else if t.video && now.Sub(t.last) > freezeGap {
		t.freezes++
	}
	t.last = now
	if stamped {
		t.lat = append(t.lat, float32(lat))
	}
	t.mu.Unlock()
	if stamped {
		t.p.lt.latency(lat)
	}
	return nil
}

func (t *loadTrack) Close() error { return nil }

// stamps are when each frame left its publisher, by who it went to and a
// hash of its bytes; kept for a few seconds.
type stamps struct {
	seed   maphash.Seed
	shards [64]stampShard
}

type stampShard struct {
	mu       sync.Mutex
	cur, old map[stampKey]time.Time
	swapped  time.Time
}

type stampKey struct {
	scope string
	h     uint64
}

// stampTTL is how long a stamp is kept: two generations of it.
const stampTTL = 5 * time.Second

func newStamps() *stamps {
	s := &stamps{seed: maphash.MakeSeed()}
	for i := range s.shards {
		s.shards[i].cur, s.shards[i].old = map[stampKey]time.Time{}, map[stampKey]time.Time{}
	}
	return s
}

func (s *stamps) put(scope string, data []byte, at time.Time) {
	h := maphash.Bytes(s.seed, data)
	sh := &s.shards[h%uint64(len(s.shards))]
	sh.mu.Lock()
	if at.Sub(sh.swapped) > stampTTL {
		sh.old, sh.cur, sh.swapped = sh.cur, make(map[stampKey]time.Time, len(sh.cur)), at
	}
	sh.cur[stampKey{scope, h}] = at
	sh.mu.Unlock()
}

func (s *stamps) get(scope string, data []byte) (time.Time, bool) {
	h := maphash.Bytes(s.seed, data)
	sh := &s.shards[h%uint64(len(s.shards))]
	k := stampKey{scope, h}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	at, ok := sh.cur[k]
	if !ok {
		at, ok = sh.old[k]
	}
	return at, ok
}
