package signal

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// cutter records the client's TCP connections so a test can cut them.
type cutter struct {
	mu      sync.Mutex
	conns   []net.Conn
	refused bool
}

var errRefused = errors.New("test: dial refused")

func (c *cutter) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	c.mu.Lock()
	refused := c.refused
	c.mu.Unlock()
	if refused {
		return nil, errRefused
	}
	nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err == nil {
		c.mu.Lock()
		c.conns = append(c.conns, nc)
		c.mu.Unlock()
	}
	return nc, err
}

func (c *cutter) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, nc := range c.conns {
		nc.(*net.TCPConn).SetLinger(0)
		nc.Close()
	}
	c.conns = nil
}

// refuse cuts the connections and refuses new ones: the client stays
// disconnected.
func (c *cutter) refuse() {
	c.mu.Lock()
	c.refused = true
	c.mu.Unlock()
	c.cut()
}

func dialClient(t *testing.T, cfg ClientConfig) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c, err := Dial(ctx, cfg)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func event(t *testing.T, c *Client, typ string) Message {
	t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case m, ok := <-c.Events():
			if !ok {
				t.Fatalf("events closed waiting for %q: %v", typ, c.Err())
			}
			if m.Type == typ {
				return m
			}
			if m.Type == TypeError {
				t.Fatalf("server error waiting for %q: %+v", typ, m)
			}
		case <-timeout:
			t.Fatalf("no %q event", typ)
		}
	}
}

func TestClientRelay(t *testing.T) {
	_, url := testServer(t, ServerConfig{ICEServers: []ICEServer{{URLs: []string{"stun:stun.example:3478"}}}})
	snd := dialClient(t, ClientConfig{URL: url, Room: "c", Role: RoleSender, Name: "s"})
	rcv := dialClient(t, ClientConfig{URL: url, Room: "c", Role: RoleReceiver, Name: "r"})
	if w := rcv.Welcome(); len(w.Peers) != 1 || w.Peers[0].ID != snd.ID() || len(w.ICEServers) != 1 {
		t.Fatalf("welcome %+v", w)
	}
	if pj := event(t, snd, TypePeerJoined); pj.Peer.ID != rcv.ID() || pj.Peer.Role != RoleReceiver || pj.Peer.Name != "r" {
		t.Fatalf("peer-joined %+v", pj.Peer)
	}
	if !Offers(RoleSender, RoleReceiver, false) {
		t.Fatal("sender must offer")
	}
	snd.Offer(rcv.ID(), sdpText)
	if m := event(t, rcv, TypeOffer); m.SDP != sdpText || m.From != snd.ID() {
		t.Fatalf("offer %+v", m)
	}
	mid, idx := "0", uint16(0)
	rcv.SendCandidate(snd.ID(), &Candidate{Candidate: "candidate:x", SDPMid: &mid, SDPMLineIndex: &idx})
	rcv.SendCandidate(snd.ID(), nil)
	c1 := event(t, snd, TypeCandidate)
	if c, err := c1.ICECandidate(); err != nil || c == nil || c.Candidate != "candidate:x" || *c.SDPMid != "0" {
		t.Fatalf("candidate %+v %v", c, err)
	}
	c2 := event(t, snd, TypeCandidate)
	if c, err := c2.ICECandidate(); err != nil || c != nil {
		t.Fatalf("end-of-candidates decoded as %+v %v", c, err)
	}
	rcv.Close()
	if m := event(t, snd, TypePeerLeft); m.ID != rcv.ID() {
		t.Fatalf("peer-left %+v", m)
	}
	if _, ok := <-rcv.Events(); ok {
		t.Fatal("events still open after Close")
	}
	if err := rcv.Send(Message{Type: TypePing}); !errors.Is(err, ErrClosed) {
		t.Fatalf("send after close: %v", err)
	}
}

func TestClientReconnectResumes(t *testing.T) {
	s, url := testServer(t, ServerConfig{})
	detach := detachWatch(s)
	var cut cutter
	snd := dialClient(t, ClientConfig{URL: url, Room: "c", Role: RoleSender, NetDial: cut.dial})
	rcv := dialClient(t, ClientConfig{URL: url, Room: "c", Role: RoleReceiver})
	event(t, snd, TypePeerJoined)
	id := snd.ID()

	cut.cut()
	event(t, snd, TypeDisconnected)
	awaitDetach(t, detach, id)
	// While the sender is away, the receiver's answer is queued for it,
	// and the sender's own offer waits in its outbox.
	rcv.Answer(id, "while-away")
	snd.Offer(rcv.ID(), "from-outbox")
	w := event(t, snd, TypeWelcome)
	if !w.Resumed || w.ID != id || snd.ID() != id {
		t.Fatalf("reconnect welcome %+v", w)
	}
	if m := event(t, snd, TypeAnswer); m.SDP != "while-away" {
		t.Fatalf("queued answer %+v", m)
	}
	if m := event(t, rcv, TypeOffer); m.SDP != "from-outbox" || m.From != id {
		t.Fatalf("outbox offer %+v", m)
	}
}

func TestClientRefused(t *testing.T) {
	_, url := testServer(t, ServerConfig{TokenSecret: []byte("k")})
	_, err := Dial(context.Background(), ClientConfig{URL: url, Room: "c"})
	var se *Error
	if !errors.As(err, &se) || se.Code != CodeUnauthorized || !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("dial without token: %v", err)
	}
	if _, err := Dial(context.Background(), ClientConfig{URL: "ftp://x", Room: "c"}); err == nil {
		t.Fatal("ftp URL accepted")
	}
}

// TestDialRefused checks that each way a server refuses a join surfaces
// as its code's sentinel.
func TestDialRefused(t *testing.T) {
	tests := []struct {
		name  string
		cfg   ServerConfig
		fill  func(t *testing.T, url string) // what is already on the server
		cl    ClientConfig
		want  error
		code  string
		close bool // the server closes the connection
	}{
		{name: "no token", cfg: ServerConfig{TokenSecret: []byte("k")},
			cl: ClientConfig{Room: "r"}, want: ErrUnauthorized, code: CodeUnauthorized},
		{name: "token for another room", cfg: ServerConfig{TokenSecret: []byte("k")},
			cl: ClientConfig{Room: "r", Token: mustToken(t, "k", "other")}, want: ErrUnauthorized, code: CodeUnauthorized},
		{name: "room full", cfg: ServerConfig{RoomSize: 1},
			fill: func(t *testing.T, url string) { dialRaw(t, url).join("r", RolePeer) },
			cl:   ClientConfig{Room: "r"}, want: ErrRoomFull, code: CodeRoomFull},
		{name: "server full", cfg: ServerConfig{MaxConns: 1},
			fill: func(t *testing.T, url string) { dialRaw(t, url).join("other", RolePeer) },
			cl:   ClientConfig{Room: "r"}, want: ErrServerFull, code: CodeServerFull},
		{name: "bad room name", cl: ClientConfig{Room: "no spaces"}, want: ErrBadMessage, code: CodeBadMessage},
		{name: "name too long", cl: ClientConfig{Room: "r", Name: strings.Repeat("n", 65)}, want: ErrBadMessage, code: CodeBadMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, url := testServer(t, tt.cfg)
			if tt.fill != nil {
				tt.fill(t, url)
			}
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			tt.cl.URL = url
			c, err := Dial(ctx, tt.cl)
			if c != nil {
				c.Close()
			}
			var se *Error
			if !errors.Is(err, tt.want) || !errors.As(err, &se) || se.Code != tt.code || se.Text == "" {
				t.Fatalf("Dial: %v; want %v with code %s", err, tt.want, tt.code)
			}
			for _, other := range codeErrors {
				if other != tt.want && errors.Is(err, other) {
					t.Errorf("Dial's error %v also matches %v", err, other)
				}
			}
		})
	}
}

func mustToken(t *testing.T, secret, room string) string {
	t.Helper()
	tok, err := MintToken([]byte(secret), TokenClaims{Room: room, Roles: []Role{RolePeer}, Expires: time.Now().Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestErrorSentinels checks the code-to-sentinel table both ways.
func TestErrorSentinels(t *testing.T) {
	for _, code := range []string{CodeBadJSON, CodeBadMessage, CodeUnknownType, CodeNotJoined, CodeAlreadyJoined,
		CodeUnknownPeer, CodeRoomFull, CodeUnauthorized, CodeRateLimited, CodeTooLarge, CodeServerFull} {
		want := codeErrors[code]
		if want == nil {
			t.Errorf("code %s has no sentinel", code)
			continue
		}
		err := fmt.Errorf("wrapped: %w", &Error{Code: code, Text: "t"})
		for _, other := range codeErrors {
			if errors.Is(err, other) != (other == want) {
				t.Errorf("code %s: errors.Is(err, %v) = %v", code, other, !(other == want))
			}
		}
	}
	if err := (&Error{Code: "future-code"}); err.Unwrap() != nil {
		t.Errorf("unknown code unwraps to %v", err.Unwrap())
	}
}

func TestWSURL(t *testing.T) {
	for in, want := range map[string]string{
		"localhost:8080":           "ws://localhost:8080/ws",
		"http://h:1":               "ws://h:1/ws",
		"https://h/":               "wss://h/ws",
		"wss://h/custom/ws?room=x": "wss://h/custom/ws?room=x",
	} {
		if got, err := wsURL(in); err != nil || got != want {
			t.Errorf("wsURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestRedacted checks that the URL in the client's errors and logs keeps
// no secret.
func TestRedacted(t *testing.T) {
	for in, want := range map[string]string{
		"ws://h:1/ws":                       "ws://h:1/ws",
		"wss://user:secret@h/ws":            "wss://user:xxxxx@h/ws",
		"wss://h/ws?room=r&token=secret":    "wss://h/ws?room=r&token=xxxxx",
		"wss://h/ws?token=secret&token=two": "wss://h/ws?token=xxxxx",
	} {
		if got := redacted(in); got != want {
			t.Errorf("redacted(%q) = %q; want %q", in, got, want)
		}
	}
}
