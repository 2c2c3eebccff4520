package signal

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

const wait = 5 * time.Second

// testServer runs a Server behind httptest and shuts both down at cleanup.
//
// With WEBRTC_CLI_TEST_CLUSTER set (TestProtocolAcrossInstances sets it),
// it runs three instances on one Redis behind a proxy that hands each new
// connection to the next instance, so every test's clients are spread
// over the cluster; the Server returned is the first instance.
func testServer(t testing.TB, cfg ServerConfig) (*Server, string) {
	t.Helper()
	if os.Getenv(clusterEnv) != "" && cfg.Redis == "" {
		return spreadServer(t, cfg)
	}
	return testServerAlone(t, cfg)
}

// testServerAlone is testServer for one server.
func testServerAlone(t testing.TB, cfg ServerConfig) (*Server, string) {
	t.Helper()
	s := NewServer(cfg)
	hs := httptest.NewServer(s)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("server close: %v", err)
		}
		hs.Close()
	})
	return s, "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws"
}

// raw is a test client speaking JSON over a bare WebSocket, so tests can
// send anything at all.
type raw struct {
	t  testing.TB
	ws *websocket.Conn
}

func dialRaw(t testing.TB, url string) *raw {
	t.Helper()
	return dialRawHeader(t, url, nil)
}

func dialRawHeader(t testing.TB, url string, h http.Header) *raw {
	t.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial(url, h)
	if err != nil {
		status := ""
		if resp != nil {
			status = resp.Status
		}
		t.Fatalf("dial %s: %v %s", url, err, status)
	}
	c := &raw{t: t, ws: ws}
	t.Cleanup(func() {
		ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		ws.Close()
	})
	return c
}

func (c *raw) sendText(s string) {
	c.t.Helper()
	if err := c.ws.WriteMessage(websocket.TextMessage, []byte(s)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *raw) send(v any) {
	c.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendText(string(b))
}

type obj = map[string]any

// next reads one message, failing the test after the deadline.
func (c *raw) next() obj {
	c.t.Helper()
	c.ws.SetReadDeadline(time.Now().Add(wait))
	_, data, err := c.ws.ReadMessage()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	var m obj
	if err := json.Unmarshal(data, &m); err != nil {
		c.t.Fatalf("server sent invalid JSON %q: %v", data, err)
	}
	return m
}

// expect reads the next message and checks its type (or action, for
// the action dialect).
func (c *raw) expect(typ string) obj {
	c.t.Helper()
	m := c.next()
	got, _ := m["type"].(string)
	if got == "" {
		got, _ = m["action"].(string)
	}
	if got != typ {
		c.t.Fatalf("expected %q, got %v", typ, m)
	}
	return m
}

func (c *raw) expectError(code string) obj {
	c.t.Helper()
	m := c.expect(TypeError)
	if m["code"] != code {
		c.t.Fatalf("expected error %q, got %v", code, m)
	}
	if s, _ := m["message"].(string); s == "" {
		c.t.Fatalf("error %q without a message", code)
	}
	return m
}

// barrier proves that nothing was queued for c before now: a ping's pong
// comes back in order behind anything else.
func (c *raw) barrier() {
	c.t.Helper()
	c.send(obj{"type": "ping"})
	c.expect(TypePong)
}

// expectClose reads until the connection closes and checks the code.
func (c *raw) expectClose(code int) {
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
		return
	}
}

func (c *raw) join(room string, role Role) obj {
	c.t.Helper()
	c.send(obj{"type": "join", "room": room, "role": role, "name": string(role) + "-name"})
	return c.expect(TypeWelcome)
}

// kill drops the TCP connection with no close frame, as a network failure
// would.
func (c *raw) kill() {
	c.ws.UnderlyingConn().(*net.TCPConn).SetLinger(0)
	c.ws.UnderlyingConn().Close()
}

func idOf(m obj) string { s, _ := m["id"].(string); return s }
