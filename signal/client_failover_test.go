package signal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// stoppable is a Server behind httptest that a test can stop midway, as
// an instance going away; cleanup stops it if the test has not.
type stoppable struct {
	url  string
	once sync.Once
	stop func()
}

func stoppableServer(t *testing.T, cfg ServerConfig) *stoppable {
	t.Helper()
	s := NewServer(cfg)
	hs := httptest.NewServer(s)
	st := &stoppable{url: "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws"}
	st.stop = func() {
		st.once.Do(func() {
			hs.Close() // no new connections; the hijacked ones are the Server's
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			if err := s.Close(ctx); err != nil {
				t.Errorf("server close: %v", err)
			}
		})
	}
	t.Cleanup(st.stop)
	return st
}

// downURL is the URL of a loopback port nothing listens on. Call it after
// starting the test's servers: a listener opened later could get the port.
func downURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "ws://" + ln.Addr().String() + "/ws"
	ln.Close()
	return url
}

// notWSURL is a URL whose server answers HTTP but no WebSocket handshake.
func notWSURL(t *testing.T) string {
	t.Helper()
	hs := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(hs.Close)
	return "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws"
}

// logRecord is one line of a client's JSON log.
type logRecord struct {
	Level, Msg, Server, Next, Err string
	Attempt                       int
	Resumed                       bool
}

// syncBuffer is a log sink the test reads while the client writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) records(t *testing.T) []logRecord {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var recs []logRecord
	for line := range strings.Lines(b.b.String()) {
		var r logRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		recs = append(recs, r)
	}
	return recs
}

func (b *syncBuffer) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// TestFailoverDial: Dial skips a server that is not there and one whose
// handshake fails, joins at the next, and logs which.
func TestFailoverDial(t *testing.T) {
	up := stoppableServer(t, ServerConfig{})
	notWS := notWSURL(t)
	down := downURL(t) // last, so that no listener of this test gets its port
	var logs syncBuffer
	// The logs name the servers, but keep a token in a URL secret.
	withToken, shown := up.url+"?token=s3cret", up.url+"?token=xxxxx"
	c := dialClient(t, ClientConfig{URLs: []string{down, notWS, withToken}, Room: "f", Logger: logs.logger()})
	if c.Server() != shown {
		t.Fatalf("connected to %s; want %s", c.Server(), shown)
	}
	// It is in the room of that server.
	o := dialClient(t, ClientConfig{URL: up.url, Room: "f"})
	if w := o.Welcome(); len(w.Peers) != 1 || w.Peers[0].ID != c.ID() {
		t.Fatalf("welcome on %s: %+v", up.url, w)
	}

	var skipped []string
	var connected string
	for _, r := range logs.records(t) {
		switch r.Msg {
		case "signaling server unavailable; trying the next":
			if r.Level != "WARN" || r.Err == "" {
				t.Errorf("skip line %+v", r)
			}
			skipped = append(skipped, r.Server+" -> "+r.Next)
		case "signaling connected":
			connected = r.Server
		default:
			t.Errorf("unexpected log line %+v", r)
		}
	}
	if want := []string{down + " -> " + notWS, notWS + " -> " + shown}; strings.Join(skipped, ", ") != strings.Join(want, ", ") || connected != shown {
		t.Errorf("skipped %q, connected to %q; want %q, %q", skipped, connected, want, shown)
	}
	logs.mu.Lock()
	if strings.Contains(logs.b.String(), "s3cret") {
		t.Errorf("the token is in the logs:\n%s", logs.b.String())
	}
	logs.mu.Unlock()

	// URL and URLs together: URL first.
	d := dialClient(t, ClientConfig{URL: down, URLs: []string{up.url}, Room: "f"})
	if d.Server() != up.url {
		t.Errorf("URL and URLs: connected to %s", d.Server())
	}
	if _, err := Dial(context.Background(), ClientConfig{URLs: []string{up.url, "ftp://x"}, Room: "f"}); err == nil || !strings.Contains(err.Error(), "ftp://x") {
		t.Errorf("a bad URL after a good one: %v; want it refused before dialling", err)
	}
	if _, err := Dial(context.Background(), ClientConfig{Room: "f"}); err == nil {
		t.Error("no URL accepted")
	}
}

// TestFailoverDialRefused: a server that refuses the join has answered,
// and Dial says so rather than trying the next, unless it is full: then
// the next instance may have room.
func TestFailoverDialRefused(t *testing.T) {
	open := stoppableServer(t, ServerConfig{})
	tests := []struct {
		name string
		cfg  ServerConfig
		fill func(t *testing.T, url string)
		want error // nil: joins at open
	}{
		{name: "unauthorized", cfg: ServerConfig{TokenSecret: []byte("k")}, want: ErrUnauthorized},
		{name: "room full", cfg: ServerConfig{RoomSize: 1}, fill: func(t *testing.T, url string) { dialRaw(t, url).join("r", RolePeer) }, want: ErrRoomFull},
		{name: "server full", cfg: ServerConfig{MaxConns: 1}, fill: func(t *testing.T, url string) { dialRaw(t, url).join("other", RolePeer) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first := stoppableServer(t, tt.cfg)
			if tt.fill != nil {
				tt.fill(t, first.url)
			}
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			c, err := Dial(ctx, ClientConfig{URLs: []string{first.url, open.url}, Room: "r"})
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Dial: %v; want a join at %s", err, open.url)
				}
				defer c.Close()
				if c.Server() != open.url {
					t.Fatalf("joined at %s; want %s", c.Server(), open.url)
				}
				return
			}
			if c != nil {
				c.Close()
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), first.url) || strings.Contains(err.Error(), open.url) {
				t.Fatalf("Dial: %v; want %v from %s alone", err, tt.want, first.url)
			}
		})
	}
}

// TestFailoverDialAllDown: the error names every server and why.
func TestFailoverDialAllDown(t *testing.T) {
	full := stoppableServer(t, ServerConfig{MaxConns: 1})
	dialRaw(t, full.url).join("other", RolePeer)
	notWS := notWSURL(t)
	urls := []string{downURL(t), notWS, full.url}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_, err := Dial(ctx, ClientConfig{URLs: urls, Room: "r"})
	if err == nil {
		t.Fatal("Dial succeeded")
	}
	msg := err.Error()
	for _, want := range []string{"none of the 3 signaling servers took the join: ", "dial " + urls[0] + ": ", "connection refused",
		"dial " + urls[1] + ": ", "404", `joining room "r" at ` + urls[2] + ": "} {
		if !strings.Contains(msg, want) {
			t.Errorf("Dial: %v; want it to say %q", err, want)
		}
	}
	if !errors.Is(err, ErrServerFull) {
		t.Errorf("Dial: %v does not match ErrServerFull", err)
	}
}

// TestFailoverMidSession: a client whose server goes away moves to the
// next in the list, round robin, and starts afresh there (standalone
// servers share no sessions); the room there sees it.
func TestFailoverMidSession(t *testing.T) {
	a, b, c := stoppableServer(t, ServerConfig{}), stoppableServer(t, ServerConfig{}), stoppableServer(t, ServerConfig{})
	var logs syncBuffer
	x := dialClient(t, ClientConfig{URLs: []string{a.url, b.url, c.url}, Room: "m", Role: RoleSender, Logger: logs.logger()})
	onB := dialClient(t, ClientConfig{URL: b.url, Room: "m", Role: RoleReceiver})
	onC := dialClient(t, ClientConfig{URL: c.url, Room: "m", Role: RoleReceiver})
	if x.Server() != a.url {
		t.Fatalf("joined at %s; want %s", x.Server(), a.url)
	}
	first := x.ID()

	a.stop()
	event(t, x, TypeDisconnected)
	w := event(t, x, TypeWelcome)
	if w.Resumed || w.ID == first || x.ID() != w.ID || x.Server() != b.url {
		t.Fatalf("after %s went: welcome %+v at %s; want a fresh session at %s", a.url, w, x.Server(), b.url)
	}
	if len(w.Peers) != 1 || w.Peers[0].ID != onB.ID() {
		t.Fatalf("welcome at %s lists %+v", b.url, w.Peers)
	}
	if pj := event(t, onB, TypePeerJoined); pj.Peer.ID != x.ID() || pj.Peer.Role != RoleSender {
		t.Fatalf("peer-joined at %s: %+v", b.url, pj.Peer)
	}
	// It works there.
	x.Offer(onB.ID(), sdpText)
	if m := event(t, onB, TypeOffer); m.From != x.ID() || m.SDP != sdpText {
		t.Fatalf("offer at %s: %+v", b.url, m)
	}

	// Round robin: after b comes c.
	second := x.ID()
	b.stop()
	event(t, x, TypeDisconnected)
	w = event(t, x, TypeWelcome)
	if w.Resumed || w.ID == second || x.Server() != c.url {
		t.Fatalf("after %s went: welcome %+v at %s; want a fresh session at %s", b.url, w, x.Server(), c.url)
	}
	if pj := event(t, onC, TypePeerJoined); pj.Peer.ID != x.ID() {
		t.Fatalf("peer-joined at %s: %+v", c.url, pj.Peer)
	}

	var lost, reconnected []string
	for _, r := range logs.records(t) {
		switch r.Msg {
		case "signaling connection lost; reconnecting":
			lost = append(lost, r.Server)
		case "signaling reconnected":
			if r.Resumed {
				t.Errorf("resumed at a standalone server: %+v", r)
			}
			reconnected = append(reconnected, r.Server)
		}
	}
	if strings.Join(lost, " ") != a.url+" "+b.url || strings.Join(reconnected, " ") != b.url+" "+c.url {
		t.Errorf("lost %v, reconnected %v; want [%s %s], [%s %s]", lost, reconnected, a.url, b.url, b.url, c.url)
	}
}

// TestFailoverTriesTheLostOneLast: when the connection drops but its
// server is still there, the others are tried first, at once, and the
// lost one last, where the session resumes.
func TestFailoverTriesTheLostOneLast(t *testing.T) {
	a := stoppableServer(t, ServerConfig{})
	c := notWSURL(t)
	b := downURL(t)
	var cut cutter
	var logs syncBuffer
	x := dialClient(t, ClientConfig{URLs: []string{a.url, b, c}, Room: "l", NetDial: cut.dial, Logger: logs.logger()})
	id := x.ID()

	cut.cut()
	event(t, x, TypeDisconnected)
	w := event(t, x, TypeWelcome)
	if !w.Resumed || w.ID != id || x.Server() != a.url {
		t.Fatalf("welcome %+v at %s; want the session resumed at %s", w, x.Server(), a.url)
	}
	var tried []string
	for _, r := range logs.records(t) {
		switch r.Msg {
		case "reconnect failed":
			if r.Level != "DEBUG" || r.Err == "" {
				t.Errorf("line %+v", r)
			}
			tried = append(tried, r.Server)
		case "signaling reconnected":
			tried = append(tried, r.Server)
		}
	}
	if want := []string{b, c, a.url}; strings.Join(tried, " ") != strings.Join(want, " ") {
		t.Errorf("tried %v; want %v", tried, want)
	}
}

// TestFailoverGivesUp: every server gone, the client gives up after
// ReconnectTimeout with an error naming each.
func TestFailoverGivesUp(t *testing.T) {
	a, b, c := stoppableServer(t, ServerConfig{}), stoppableServer(t, ServerConfig{}), stoppableServer(t, ServerConfig{})
	const limit = 400 * time.Millisecond
	var logs syncBuffer
	x := dialClient(t, ClientConfig{URLs: []string{a.url, b.url, c.url}, Room: "g", ReconnectTimeout: limit, Logger: logs.logger()})
	c.stop()
	b.stop()
	a.stop()
	event(t, x, TypeDisconnected)
	start := time.Now()
	awaitEventsClosed(t, x)
	if took := time.Since(start); took < limit-50*time.Millisecond || took > limit+time.Second {
		t.Errorf("gave up after %v; want %v", took, limit)
	}
	err := x.Err()
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("Err() = %v; want ErrUnreachable", err)
	}
	for _, want := range []string{"signaling server unreachable for 400ms: ", "dial " + a.url + ": ", "dial " + b.url + ": ", "dial " + c.url + ": ",
		"is `webrtc-cli serve` running at " + a.url + ", " + b.url + " or " + c.url + "?"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Err() = %v; want it to say %q", err, want)
		}
	}
	// Rounds of three attempts, one per server, the lost one (a) last.
	var tried []string
	for _, r := range logs.records(t) {
		if r.Msg == "reconnect failed" {
			tried = append(tried, r.Server)
		}
	}
	if len(tried) < 2 || tried[0] != b.url || tried[1] != c.url {
		t.Errorf("tried %v; want %s, %s, then %s", tried, b.url, c.url, a.url)
	}
}
