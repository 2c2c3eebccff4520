package signal

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/webrtc-cli/webrtc-cli/internal/redistest"
)

// clusterOf runs n servers on one Redis and waits until each takes joins.
func clusterOf(t testing.TB, n int, cfg ServerConfig) ([]*Server, []string) {
	t.Helper()
	cfg.Redis = redistest.Start(t).URL
	var srvs []*Server
	var urls []string
	for range n {
		s, u := testServer(t, cfg)
		srvs = append(srvs, s)
		urls = append(urls, u)
	}
	for _, s := range srvs {
		waitReady(t, s)
	}
	return srvs, urls
}

func waitReady(t testing.TB, s *Server) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !s.ClusterReady() {
		if time.Now().After(deadline) {
			t.Fatalf("instance not ready within %v: %v", wait, s.clusterHealth())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Peers on different instances see one room: welcome lists the whole
// room, presence reaches everyone, messages are relayed with from
// stamped, in order, and a departure is one peer-left.
func TestClusterOneRoom(t *testing.T) {
	_, urls := clusterOf(t, 3, ServerConfig{})
	a := dialRaw(t, urls[0])
	wa := a.join("r", RoleSender)
	b := dialRaw(t, urls[1])
	wb := b.join("r", RoleReceiver)
	if peers := wb["peers"].([]any); len(peers) != 1 || peers[0].(obj)["id"] != idOf(wa) {
		t.Fatalf("welcome on instance 2 lists %v; want the peer of instance 1", wb["peers"])
	}
	if j := a.expect(TypePeerJoined); j["peer"].(obj)["id"] != idOf(wb) {
		t.Fatalf("peer-joined %v", j)
	}
	c := dialRaw(t, urls[2])
	wc := c.join("r", RolePeer)
	if len(wc["peers"].([]any)) != 2 {
		t.Fatalf("third welcome lists %v", wc["peers"])
	}
	a.expect(TypePeerJoined)
	b.expect(TypePeerJoined)

	// Messages from b to a keep their order, of every type, and carry
	// b's id however b labels itself.
	for i := range 50 {
		switch i % 3 {
		case 0:
			b.send(obj{"type": "offer", "to": idOf(wa), "sdp": fmt.Sprint("o", i), "from": "forged"})
		case 1:
			b.send(obj{"type": "candidate", "to": idOf(wa), "candidate": obj{"candidate": fmt.Sprint("c", i)}})
		default:
			b.send(obj{"type": "answer", "to": idOf(wa), "sdp": fmt.Sprint("a", i)})
		}
	}
	for i := range 50 {
		m := a.next()
		if m["from"] != idOf(wb) {
			t.Fatalf("message %d from %v; want %s", i, m["from"], idOf(wb))
		}
		got := fmt.Sprint(m["sdp"])
		if i%3 == 1 {
			got = fmt.Sprint(m["candidate"].(obj)["candidate"])
		}
		if want := fmt.Sprint([]string{"o", "c", "a"}[i%3], i); got != want {
			t.Fatalf("message %d is %v; want %s", i, m, want)
		}
	}
	b.send(obj{"type": "offer", "to": "nobody", "sdp": "x"})
	b.expectError(CodeUnknownPeer)

	b.send(obj{"type": "leave"})
	for _, p := range []*raw{a, c} {
		if l := p.expect(TypePeerLeft); l["id"] != idOf(wb) {
			t.Fatalf("peer-left %v", l)
		}
		p.barrier() // and no second peer-left
	}
}

// --room-size holds exactly under joins racing on three instances.
func TestClusterRoomSizeExact(t *testing.T) {
	_, urls := clusterOf(t, 3, ServerConfig{RoomSize: 3})
	const n = 12
	var wg sync.WaitGroup
	results := make(chan string, n)
	for i := range n {
		c := dialRaw(t, urls[i%3])
		wg.Go(func() {
			c.send(obj{"type": "join", "room": "full", "role": "peer"})
			m := c.next()
			if m["type"] == TypeWelcome {
				results <- "in"
			} else {
				results <- fmt.Sprint(m["code"])
			}
		})
	}
	wg.Wait()
	close(results)
	in := 0
	for r := range results {
		switch r {
		case "in":
			in++
		case CodeRoomFull:
		default:
			t.Errorf("join answered %s", r)
		}
	}
	if in != 3 {
		t.Fatalf("%d joins admitted to a room of 3", in)
	}
}

// An instance that cannot reach Redis refuses joins, rather than split
// rooms, and says so on /healthz; /livez stays 200.
func TestClusterRedisUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	_, url := testServer(t, ServerConfig{Redis: "redis://" + dead + "/0"})
	c := dialRaw(t, url)
	c.send(obj{"type": "join", "room": "r", "role": "peer"})
	c.expectError(CodeUnavailable)
	base := "http" + strings.TrimSuffix(strings.TrimPrefix(url, "ws"), "/ws")
	for path, want := range map[string]int{"/healthz": 503, "/livez": 200} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: %s; want %d", path, resp.Status, want)
		}
	}
}

// A peer whose connection drops resumes on another instance: same id,
// resumed, what was sent to it meanwhile in order right after the
// welcome, and no peer-left for the others.
func TestClusterResumeElsewhere(t *testing.T) {
	_, urls := clusterOf(t, 2, ServerConfig{})
	a := dialRaw(t, urls[0])
	wa := a.join("r", RolePeer)
	b := dialRaw(t, urls[1])
	wb := b.join("r", RolePeer)
	a.expect(TypePeerJoined)
	b.kill()
	for i := range 20 {
		a.send(obj{"type": "offer", "to": idOf(wb), "sdp": fmt.Sprint("o", i)})
	}
	a.barrier()
	b2 := dialRaw(t, urls[0]) // the other instance
	b2.send(obj{"type": "join", "room": "r", "role": "peer", "resume": wb["resume"]})
	w := b2.expect(TypeWelcome)
	if w["resumed"] != true || idOf(w) != idOf(wb) {
		t.Fatalf("welcome %v; want resumed as %s", w, idOf(wb))
	}
	for i := range 20 {
		m := b2.expect(TypeOffer)
		if m["sdp"] != fmt.Sprint("o", i) || m["from"] != idOf(wa) {
			t.Fatalf("message %d after the resume: %v", i, m)
		}
	}
	// Both ways after it, and no peer-left.
	a.send(obj{"type": "offer", "to": idOf(wb), "sdp": "after"})
	if m := b2.expect(TypeOffer); m["sdp"] != "after" {
		t.Fatalf("after the resume: %v", m)
	}
	b2.send(obj{"type": "answer", "to": idOf(wa), "sdp": "back"})
	if m := a.expect(TypeAnswer); m["sdp"] != "back" || m["from"] != idOf(wb) {
		t.Fatalf("answer %v", m)
	}
}

// Resuming on another instance while the old connection still looks
// alive there closes the old one; a token presented to two instances at
// once resumes exactly one.
func TestClusterResumeRaces(t *testing.T) {
	_, urls := clusterOf(t, 3, ServerConfig{})
	a := dialRaw(t, urls[0])
	a.join("r", RolePeer)
	b := dialRaw(t, urls[1])
	wb := b.join("r", RolePeer)
	a.expect(TypePeerJoined)
	var wg sync.WaitGroup
	results := make(chan obj, 2)
	for _, u := range []string{urls[0], urls[2]} {
		c := dialRaw(t, u)
		wg.Go(func() {
			c.send(obj{"type": "join", "room": "r", "role": "peer", "resume": wb["resume"]})
			results <- c.next()
		})
	}
	wg.Wait()
	close(results)
	resumed := 0
	for m := range results {
		if m["type"] == TypeWelcome && m["resumed"] == true {
			resumed++
			if idOf(m) != idOf(wb) {
				t.Errorf("resumed as %s; want %s", idOf(m), idOf(wb))
			}
		}
	}
	if resumed != 1 {
		t.Fatalf("%d of two instances resumed the one session", resumed)
	}
	b.ws.SetReadDeadline(time.Now().Add(wait))
	for {
		if _, _, err := b.ws.ReadMessage(); err != nil {
			break // the old connection was closed
		}
	}
}

// The role dialect across instances: a sender page's offer goes to the
// receiver that joined the room most recently, whichever instance it is
// on.
func TestClusterRoleDialect(t *testing.T) {
	srvs, urls := clusterOf(t, 3, ServerConfig{})
	rdb := redis.NewClient(mustParseRedisURL(t, srvs[0].cfg.Redis))
	defer rdb.Close()
	members := func(n int64) {
		t.Helper()
		deadline := time.Now().Add(wait)
		for rdb.HLen(t.Context(), roomKey("a")).Val() != n {
			if time.Now().After(deadline) {
				t.Fatalf("room a never had %d members", n)
			}
			time.Sleep(5 * time.Millisecond) // the role dialect answers no join: Redis is where it shows
		}
	}
	older := dialRaw(t, urls[0]+"?room=a")
	older.send(obj{"type": "receiver"})
	members(1)
	newer := dialRaw(t, urls[2]+"?room=a")
	newer.send(obj{"type": "receiver"})
	members(2)
	page := dialRaw(t, urls[1]+"?room=a")
	page.send(obj{"type": "sender"})
	members(3)
	page.send(obj{"type": "createOffer", "sdp": obj{"type": "offer", "sdp": sdpText}})
	if o := newer.expect("createOffer")["sdp"].(obj); o["sdp"] != sdpText {
		t.Fatalf("createOffer %v", o)
	}
	newer.send(obj{"type": "createAnswer", "sdp": obj{"type": "answer", "sdp": "ans"}})
	if a := page.expect("createAnswer")["sdp"].(obj); a["sdp"] != "ans" {
		t.Fatalf("createAnswer %v", a)
	}
}

func mustParseRedisURL(t *testing.T, url string) *redis.Options {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	return opt
}

// A rolling upgrade: an instance shut down (Server.Close) keeps its
// sessions for resume, and its peers resume on another instance with no
// peer-left for the others.
func TestClusterRollingRestart(t *testing.T) {
	srvs, urls := clusterOf(t, 2, ServerConfig{ResumeWindow: 10 * time.Second})
	a := dialRaw(t, urls[0])
	wa := a.join("r", RolePeer)
	b := dialRaw(t, urls[1])
	wb := b.join("r", RolePeer)
	a.expect(TypePeerJoined)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := srvs[1].Close(ctx); err != nil {
		t.Fatal(err)
	}
	b.expectClose(1001)
	b2 := dialRaw(t, urls[0])
	b2.send(obj{"type": "join", "room": "r", "role": "peer", "resume": wb["resume"]})
	if w := b2.expect(TypeWelcome); w["resumed"] != true || idOf(w) != idOf(wb) {
		t.Fatalf("welcome after the instance went away: %v", w)
	}
	a.send(obj{"type": "offer", "to": idOf(wb), "sdp": "x"})
	if m := b2.expect(TypeOffer); m["from"] != idOf(wa) {
		t.Fatalf("offer %v", m)
	}
	a.barrier() // no peer-left
}
