package signal

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// expectCloseReason reads until the connection closes, checks the code and
// returns the close frame's reason.
func (c *raw) expectCloseReason(code int) string {
	c.t.Helper()
	c.ws.SetReadDeadline(time.Now().Add(wait))
	for {
		_, _, err := c.ws.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != code {
			c.t.Fatalf("expected close %d, got %v", code, err)
		}
		return ce.Text
	}
}

func TestJoinTimeout(t *testing.T) {
	_, url := testServer(t, ServerConfig{JoinTimeout: 200 * time.Millisecond})
	joined := dialRaw(t, url)
	joined.join("r", RolePeer)
	idle := dialRaw(t, url)
	idle.barrier() // pings do not count as joining
	if m := idle.expectError(CodeNotJoined); !strings.Contains(m["message"].(string), "no join within 200ms") {
		t.Fatalf("timeout error %v", m)
	}
	if reason := idle.expectCloseReason(ClosePolicy); !strings.Contains(reason, "no join within") {
		t.Fatalf("close reason %q", reason)
	}
	// joined's deadline, earlier than idle's, has passed: it is still served.
	joined.barrier()
}

// Clients without a token cannot hold the server's connection slots: they
// get no pong, and they are closed at the join timeout.
func TestUnjoinedConnectionsFreeTheirSlots(t *testing.T) {
	secret := []byte("k")
	s, url := testServer(t, ServerConfig{TokenSecret: secret, MaxConns: 2, JoinTimeout: 300 * time.Millisecond})
	closed := closeWatch(s)
	idle := []*raw{dialRaw(t, url), dialRaw(t, url)}
	for _, c := range idle {
		c.send(obj{"type": "ping"})
		c.expectError(CodeNotJoined)
	}
	full := dialRaw(t, url)
	full.expectError(CodeServerFull)
	full.expectClose(CloseTryLater)
	for _, c := range idle {
		c.expectError(CodeNotJoined)
		c.expectClose(ClosePolicy)
		awaitClosed(t, closed)
	}
	tok, _ := MintToken(secret, TokenClaims{Room: "r", Roles: []Role{RolePeer}, Expires: time.Now().Add(time.Hour).Unix()})
	c := dialRaw(t, url)
	c.send(obj{"type": "join", "room": "r", "token": tok})
	c.expect(TypeWelcome)
}

func TestPingBeforeJoin(t *testing.T) {
	secret := []byte("k")
	tok, _ := MintToken(secret, TokenClaims{Room: "r", Roles: []Role{RolePeer}, Expires: time.Now().Add(time.Hour).Unix()})
	cases := []struct {
		name   string
		secret []byte
		join   bool // join (and leave) first
		want   string
	}{
		{"no tokens", nil, false, TypePong},
		{"tokens, not joined", secret, false, TypeError},
		{"tokens, joined", secret, true, TypePong},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, url := testServer(t, ServerConfig{TokenSecret: tc.secret})
			c := dialRaw(t, url)
			if tc.join {
				c.send(obj{"type": "join", "room": "r", "token": tok})
				c.expect(TypeWelcome)
				c.send(obj{"type": "leave"})
			}
			c.send(obj{"type": "ping"})
			if m := c.expect(tc.want); tc.want == TypeError && (m["code"] != CodeNotJoined || m["ref"] != TypePing) {
				t.Fatalf("ping refused with %v", m)
			}
		})
	}
}

func TestTokenRefusalText(t *testing.T) {
	secret := []byte("k")
	tok, _ := MintToken(secret, TokenClaims{Room: "r", Roles: []Role{RolePeer}, Expires: time.Now().Add(time.Hour).Unix()})
	_, url := testServer(t, ServerConfig{TokenSecret: secret})
	// A bad token's text is VerifyToken's.
	refused := func(token string) string {
		return "token refused: " + VerifyToken(secret, token, "r", RolePeer, time.Now()).Error()
	}
	cases := []struct {
		name, query string
		join        obj
		want        string
	}{
		{"none", "", obj{"type": "join", "room": "r"}, "token required"},
		{"empty", "", obj{"type": "join", "room": "r", "token": ""}, "token required"},
		{"empty in query", "?token=", obj{"type": "join", "room": "r"}, "token required"},
		{"action dialect", "?room=r", obj{"action": "start"}, "token required"},
		{"malformed", "", obj{"type": "join", "room": "r", "token": "abc"}, refused("abc")},
		{"bad signature", "", obj{"type": "join", "room": "r", "token": tok + "x"}, refused(tok + "x")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, url+tc.query)
			c.send(tc.join)
			m := c.next()
			if m["code"] != CodeUnauthorized || m["message"] != tc.want {
				if d, _ := m["data"].(obj); d == nil || d["code"] != CodeUnauthorized || d["message"] != tc.want {
					t.Fatalf("got %v, want unauthorized %q", m, tc.want)
				}
			}
			if reason := c.expectCloseReason(ClosePolicy); reason != tc.want {
				t.Fatalf("close reason %q, want %q", reason, tc.want)
			}
		})
	}
}

// closeWatch reports each connection the server has let go of, its slot
// and address count released.
func closeWatch(s *Server) <-chan struct{} {
	ch := make(chan struct{}, 64)
	s.mu.Lock()
	s.onClosed = func() { ch <- struct{}{} }
	s.mu.Unlock()
	return ch
}

func awaitClosed(t *testing.T, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(wait):
		t.Fatal("server never let a closed connection go")
	}
}

func TestHardeningDefaults(t *testing.T) {
	cases := []struct {
		name   string
		in     ServerConfig
		join   time.Duration
		perIP  int
		resume int64
	}{
		{"zero values", ServerConfig{}, 10 * time.Second, 64, 64 << 20},
		{"set", ServerConfig{JoinTimeout: time.Second, MaxConnsPerIP: 3, ResumeTotalBytes: 1 << 20}, time.Second, 3, 1 << 20},
		{"disabled", ServerConfig{JoinTimeout: -1, MaxConnsPerIP: -1}, -1, -1, 64 << 20},
	}
	for _, tc := range cases {
		got := tc.in.withDefaults()
		if got.JoinTimeout != tc.join || got.MaxConnsPerIP != tc.perIP || got.ResumeTotalBytes != tc.resume {
			t.Errorf("%s: JoinTimeout %v, MaxConnsPerIP %d, ResumeTotalBytes %d", tc.name, got.JoinTimeout, got.MaxConnsPerIP, got.ResumeTotalBytes)
		}
	}
}
