package signal

import (
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestTooLargeCloses1009(t *testing.T) {
	_, url := testServer(t, ServerConfig{MaxMessage: 1024})
	c := dialRaw(t, url)
	c.join("r", RolePeer)
	c.sendText(`{"type":"ping","pad":"` + strings.Repeat("x", 1024) + `"}`)
	c.expectError(CodeTooLarge)
	c.expectClose(CloseTooLarge)

	// Exactly at the limit is fine.
	d := dialRaw(t, url)
	msg := `{"type":"ping","pad":"`
	msg += strings.Repeat("x", 1024-len(msg)-2) + `"}`
	d.sendText(msg)
	d.expect(TypePong)
}

func TestDefaultSizeLimitIs64KiB(t *testing.T) {
	_, url := testServer(t, ServerConfig{})
	c := dialRaw(t, url)
	c.sendText(`{"type":"ping","pad":"` + strings.Repeat("x", 64<<10) + `"}`)
	c.expectError(CodeTooLarge)
	c.expectClose(CloseTooLarge)
}

func TestRateLimit(t *testing.T) {
	_, url := testServer(t, ServerConfig{Rate: 10, Burst: 5})
	c := dialRaw(t, url)
	for range 5 {
		c.send(obj{"type": "ping"})
	}
	for range 5 {
		c.expect(TypePong)
	}
	// The sixth in the same instant is dropped with one warning; a flood
	// gets no more than one warning a second, then the connection closes.
	for range 200 {
		if err := c.ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping"}`)); err != nil {
			break
		}
	}
	m := c.expectError(CodeRateLimited)
	_ = m
	c.ws.SetReadDeadline(time.Now().Add(wait))
	warnings, pongs := 1, 0
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			if !websocket.IsCloseError(err, ClosePolicy) {
				t.Fatalf("expected close 1008 after a flood, got %v", err)
			}
			break
		}
		switch s := string(data); {
		case strings.Contains(s, CodeRateLimited):
			warnings++
		case strings.Contains(s, "pong"):
			pongs++
		}
	}
	if warnings > 3 || pongs > 5 {
		t.Fatalf("%d warnings and %d pongs during a flood of 200", warnings, pongs)
	}
}

func TestServerFull(t *testing.T) {
	_, url := testServer(t, ServerConfig{MaxConns: 2})
	a, b := dialRaw(t, url), dialRaw(t, url)
	a.barrier()
	b.barrier()
	c := dialRaw(t, url)
	c.expectError(CodeServerFull)
	c.expectClose(CloseTryLater)
}

// A client that stops reading is cut off, and the rest of the room never
// waits for it.
func TestSlowConsumerDropped(t *testing.T) {
	s, url := testServer(t, ServerConfig{SendQueue: 32, Rate: -1, NoResume: true, WriteTimeout: time.Second})
	slow, flooder, a, b := dialRaw(t, url), dialRaw(t, url), dialRaw(t, url), dialRaw(t, url)
	idSlow := idOf(slow.join("r", RolePeer))
	flooder.join("r", RolePeer)
	a.join("r", RolePeer)
	idB := idOf(b.join("r", RolePeer))
	a.expect(TypePeerJoined) // b

	big := strings.Repeat("x", 60<<10)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 2000 {
			if testutilValue(s) > 0 || flooder.ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"offer","to":"`+idSlow+`","sdp":"`+big+`"}`)) != nil {
				return
			}
		}
	}()
	// Meanwhile a and b talk; every exchange must be prompt. b may hear
	// of the slow peer's end at any point in between.
	slowLeft := false
	for i := range 50 {
		start := time.Now()
		a.send(obj{"type": "bye", "to": idB, "n": i})
		for {
			m := b.next()
			if m["type"] == TypePeerLeft && m["id"] == idSlow {
				slowLeft = true
				continue
			}
			if m["type"] != TypeBye {
				t.Fatalf("b got %v", m)
			}
			break
		}
		if el := time.Since(start); el > time.Second {
			t.Fatalf("a message took %v while a peer was not reading", el)
		}
	}
	<-done
	if got := testutilValue(s); got != 1 {
		t.Fatalf("slow consumer not dropped (drops=%v)", got)
	}
	// b hears that the slow peer is gone (NoResume: at once).
	if !slowLeft {
		if m := b.expect(TypePeerLeft); m["id"] != idSlow {
			t.Fatalf("peer-left %v", m)
		}
	}
}
