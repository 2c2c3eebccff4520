package signal

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestResumeKeepsIDAndDeliversQueue(t *testing.T) {
	_, url := testServer(t, ServerConfig{ResumeWindow: time.Minute})
	a, b := dialRaw(t, url), dialRaw(t, url)
	wa := a.join("r", RoleSender)
	wb := b.join("r", RoleReceiver)
	a.expect(TypePeerJoined)

	b.kill()
	// Until the server notices, messages go to the dead socket; after, to
	// the queue. Either way they must arrive after the resume: send
	// enough to prove order, and at least 64 (the protocol's minimum).
	for i := range 70 {
		a.send(obj{"type": "offer", "to": idOf(wb), "sdp": fmt.Sprint(i)})
	}
	a.barrier() // all 70 accepted: none refused as unknown-peer

	b2 := dialRaw(t, url)
	b2.send(obj{"type": "join", "room": "r", "role": "receiver", "resume": wb["resume"]})
	w := b2.expect(TypeWelcome)
	if w["resumed"] != true || idOf(w) != idOf(wb) {
		t.Fatalf("resume welcome %v", w)
	}
	if w["resume"] == wb["resume"] {
		t.Fatal("resume token was not rotated")
	}
	if p := w["peers"].([]any); len(p) != 1 || p[0].(obj)["id"] != idOf(wa) {
		t.Fatalf("peers after resume %v", p)
	}
	// Some of the first offers may have been written to the dead socket
	// before the server saw it die; those are lost with it. What was
	// queued must follow in order and end with the last one.
	last := -1
	for last != 69 {
		m := b2.expect(TypeOffer)
		var n int
		fmt.Sscan(m["sdp"].(string), &n)
		if n <= last || m["from"] != idOf(wa) {
			t.Fatalf("offer %d after %d (%v)", n, last, m)
		}
		last = n
	}
	// The others saw no peer-left, and the resumed peer is addressable.
	a.barrier()
	b2.send(obj{"type": "answer", "to": idOf(wa), "sdp": "ok"})
	if m := a.expect(TypeAnswer); m["from"] != idOf(wb) {
		t.Fatalf("answer from %v", m["from"])
	}
	// The old token is spent.
	c := dialRaw(t, url)
	c.send(obj{"type": "join", "room": "r", "resume": wb["resume"]})
	if w := c.expect(TypeWelcome); w["resumed"] != false || idOf(w) == idOf(wb) {
		t.Fatalf("spent token resumed: %v", w)
	}
}

func TestResumeQueueSurvivesManyMessages(t *testing.T) {
	// Messages sent after the server has seen the drop are all kept.
	s, url := testServer(t, ServerConfig{ResumeWindow: time.Minute})
	detach := detachWatch(s)
	a, b := dialRaw(t, url), dialRaw(t, url)
	a.join("r", RolePeer)
	wb := b.join("r", RolePeer)
	a.expect(TypePeerJoined)
	b.kill()
	awaitDetach(t, detach, idOf(wb))
	for i := range 64 {
		a.send(obj{"type": "bye", "to": idOf(wb), "n": i})
	}
	a.barrier()
	b2 := dialRaw(t, url)
	b2.send(obj{"type": "join", "room": "r", "resume": wb["resume"]})
	b2.expect(TypeWelcome)
	for i := range 64 {
		if m := b2.expect(TypeBye); m["n"] != float64(i) {
			t.Fatalf("message %d: %v", i, m)
		}
	}
}

func TestPeerLeftOnlyAfterWindow(t *testing.T) {
	s, url := testServer(t, ServerConfig{ResumeWindow: 200 * time.Millisecond})
	detach := detachWatch(s)
	a, b := dialRaw(t, url), dialRaw(t, url)
	a.join("r", RolePeer)
	wb := b.join("r", RolePeer)
	a.expect(TypePeerJoined)
	// The window starts when the server notices the loss, a moment after
	// the kill: timing from the kill, peer-left can never be early, while
	// timing from awaitDetach's return made a 199.3 ms reading possible.
	start := time.Now()
	b.kill()
	awaitDetach(t, detach, idOf(wb))
	if m := a.expect(TypePeerLeft); m["id"] != idOf(wb) {
		t.Fatalf("peer-left %v", m)
	}
	if el := time.Since(start); el < 200*time.Millisecond {
		t.Fatalf("peer-left after %v, inside the 200ms window", el)
	}
	// Too late: the token is not an error, the join is fresh.
	c := dialRaw(t, url)
	c.send(obj{"type": "join", "room": "r", "resume": wb["resume"]})
	if w := c.expect(TypeWelcome); w["resumed"] != false || idOf(w) == idOf(wb) {
		t.Fatalf("expired resume %v", w)
	}
}

func TestResumeTakesOverLiveConnection(t *testing.T) {
	// The server has not noticed the old connection die (no ping timeout
	// yet): a resume must take the session over anyway.
	_, url := testServer(t, ServerConfig{})
	a, b := dialRaw(t, url), dialRaw(t, url)
	a.join("r", RolePeer)
	wb := b.join("r", RolePeer)
	a.expect(TypePeerJoined)
	b2 := dialRaw(t, url)
	b2.send(obj{"type": "join", "room": "r", "resume": wb["resume"]})
	if w := b2.expect(TypeWelcome); w["resumed"] != true {
		t.Fatalf("%v", w)
	}
	a.send(obj{"type": "bye", "to": idOf(wb)})
	b2.expect(TypeBye)
	a.barrier() // no peer-left for the replaced connection
}

func TestResumeNeedsSameRoom(t *testing.T) {
	_, url := testServer(t, ServerConfig{})
	b := dialRaw(t, url)
	wb := b.join("r", RolePeer)
	c := dialRaw(t, url)
	c.send(obj{"type": "join", "room": "other", "resume": wb["resume"]})
	if w := c.expect(TypeWelcome); w["resumed"] != false {
		t.Fatalf("resumed into another room: %v", w)
	}
}

// detachWatch reports the ids of sessions whose connection the server has
// seen die; nothing else reveals that moment.
func detachWatch(s *Server) <-chan string {
	ch := make(chan string, 16)
	s.hub.onDetach = func(id string) { ch <- id }
	return ch
}

func awaitDetach(t *testing.T, ch <-chan string, id string) {
	t.Helper()
	select {
	case got := <-ch:
		if got != id {
			t.Fatalf("detached %s, want %s", got, id)
		}
	case <-time.After(wait):
		t.Fatal("server never noticed the dropped connection")
	}
}

// The resume queues are bounded in bytes: per peer by the send queue's
// bound, and all together by ResumeTotalBytes. What fits is delivered on
// resume, in order; the rest is counted as dropped.
func TestResumeQueueBoundedInBytes(t *testing.T) {
	big := strings.Repeat("x", 60<<10)
	cases := []struct {
		name      string
		cfg       ServerConfig
		receivers int
		sent      int // 60 KB offers to each receiver
		bound     int // bytes held at most, all receivers together
	}{
		{"per peer", ServerConfig{}, 1, 40, 4*(64<<10) + 1<<20},
		{"server-wide", ServerConfig{ResumeTotalBytes: 300 << 10}, 2, 10, 300 << 10},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.ResumeWindow = time.Minute
			s, url := testServer(t, tc.cfg)
			detach := detachWatch(s)
			a := dialRaw(t, url)
			a.join("r", RolePeer)
			var gone []obj
			for range tc.receivers {
				b := dialRaw(t, url)
				w := b.join("r", RolePeer)
				a.expect(TypePeerJoined)
				b.kill()
				awaitDetach(t, detach, idOf(w))
				gone = append(gone, w)
			}
			for _, w := range gone {
				for i := range tc.sent {
					a.send(obj{"type": "offer", "to": idOf(w), "sdp": big, "n": i})
				}
			}
			a.barrier()
			s.hub.mu.Lock()
			held := s.hub.held
			s.hub.mu.Unlock()
			dropped := testutil.ToFloat64(s.metrics.queueDrops)
			if held > tc.bound || held < tc.bound-2*len(big) || dropped == 0 {
				t.Fatalf("%d bytes held (bound %d), %v dropped", held, tc.bound, dropped)
			}
			if g := testutil.ToFloat64(s.metrics.queueBytes); g != float64(held) {
				t.Fatalf("resume_queue_bytes = %v, held %d", g, held)
			}
			delivered := 0
			for _, w := range gone {
				b := dialRaw(t, url)
				b.send(obj{"type": "join", "room": "r", "resume": w["resume"]})
				b.expect(TypeWelcome)
				b.send(obj{"type": "ping"})
				for n := 0; ; {
					m := b.next()
					if m["type"] == TypePong {
						break
					}
					if m["type"] == TypePeerJoined { // the second receiver, queued for the first
						continue
					}
					if m["type"] != TypeOffer || m["n"] != float64(n) {
						t.Fatalf("offer %d after resume: %v %v", n, m["type"], m["n"])
					}
					n++
					delivered++
				}
			}
			if total := tc.receivers * tc.sent; delivered+int(dropped) != total {
				t.Fatalf("%d delivered and %v dropped of %d", delivered, dropped, total)
			}
			if g := testutil.ToFloat64(s.metrics.queueBytes); g != 0 {
				t.Fatalf("resume_queue_bytes = %v after every resume", g)
			}
		})
	}
}
