package signal

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// stallServer welcomes a client's join, then never reads again, so that the
// client's writes block once the socket buffers are full.
func stallServer(t *testing.T) string {
	t.Helper()
	release := make(chan struct{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		ws.UnderlyingConn().(*net.TCPConn).SetReadBuffer(4096)
		if _, _, err := ws.ReadMessage(); err != nil {
			return
		}
		ws.WriteJSON(Message{Type: TypeWelcome, ID: "stalled", Room: "r"})
		<-release
	}))
	t.Cleanup(func() {
		close(release)
		hs.Close()
	})
	return "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws"
}

// writeWatch tells when the client starts writing once armed.
type writeWatch struct {
	net.Conn
	armed   atomic.Bool
	once    sync.Once
	started chan struct{}
}

func (w *writeWatch) Write(p []byte) (int, error) {
	if w.armed.Load() {
		w.once.Do(func() { close(w.started) })
	}
	return w.Conn.Write(p)
}

func (w *writeWatch) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	nc.(*net.TCPConn).SetWriteBuffer(4096)
	w.Conn = nc
	return w, nil
}

// Fault 9: a write stuck on a server that does not read must not hold up
// ID and Welcome, and Close must end it.
func TestClientStateWhileWriteBlocks(t *testing.T) {
	url := stallServer(t)
	ww := &writeWatch{started: make(chan struct{})}
	c := dialClient(t, ClientConfig{URL: url, Room: "r", NoReconnect: true, NetDial: ww.dial})
	ww.armed.Store(true)
	sent := make(chan error, 1)
	go func() { sent <- c.Offer("peer", strings.Repeat("a", 4<<20)) }()
	select {
	case <-ww.started:
	case <-time.After(wait):
		t.Fatal("Send never started writing")
	}

	got := make(chan string, 1)
	go func() { got <- c.ID() + " " + c.Welcome().ID }()
	select {
	case s := <-got:
		if s != "stalled stalled" {
			t.Fatalf("ID and Welcome gave %q", s)
		}
	case <-time.After(wait):
		t.Fatal("ID and Welcome blocked behind a write in progress")
	}
	select {
	case err := <-sent:
		t.Fatalf("Send returned (%v) though the server reads nothing: the write never blocked", err)
	default:
	}

	c.Close()
	select {
	case err := <-sent:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("Send cut short by Close: %v; want ErrClosed", err)
		}
	case <-time.After(wait):
		t.Fatal("Send still blocked after Close")
	}
}

func TestClientSendOrder(t *testing.T) {
	_, url := testServer(t, ServerConfig{Rate: -1})
	snd := dialClient(t, ClientConfig{URL: url, Room: "o", Role: RoleSender})
	rcv := dialClient(t, ClientConfig{URL: url, Room: "o", Role: RoleReceiver})
	event(t, snd, TypePeerJoined)
	const n = 200
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // readers of the state must not disturb the writer
		defer wg.Done()
		for range n {
			snd.ID()
			snd.Welcome()
		}
	}()
	for i := range n {
		if err := snd.Offer(rcv.ID(), strconv.Itoa(i)); err != nil {
			t.Fatalf("offer %d: %v", i, err)
		}
	}
	wg.Wait()
	for i := range n {
		if m := event(t, rcv, TypeOffer); m.SDP != strconv.Itoa(i) {
			t.Fatalf("offer %q arrived as number %d", m.SDP, i)
		}
	}
}

// TestClientSendErrors checks that each way a Send can fail says why.
func TestClientSendErrors(t *testing.T) {
	_, url := testServer(t, ServerConfig{})

	t.Run("closed", func(t *testing.T) {
		c := dialClient(t, ClientConfig{URL: url, Room: "e1"})
		c.Close()
		mid := "0"
		for name, err := range map[string]error{
			"Offer":         c.Offer("p", "s"),
			"Answer":        c.Answer("p", "s"),
			"SendCandidate": c.SendCandidate("p", &Candidate{Candidate: "c", SDPMid: &mid}),
			"Bye":           c.Bye("p"),
		} {
			if !errors.Is(err, ErrClosed) {
				t.Errorf("%s after Close: %v; want ErrClosed", name, err)
			}
		}
	})

	t.Run("disconnected", func(t *testing.T) {
		var cut cutter
		c := dialClient(t, ClientConfig{URL: url, Room: "e2", NoReconnect: true, NetDial: cut.dial})
		cut.cut()
		awaitEventsClosed(t, c)
		if err := c.Bye("p"); !errors.Is(err, ErrDisconnected) || c.Err() == nil {
			t.Fatalf("Bye after the connection ended: %v (Err %v); want ErrDisconnected", err, c.Err())
		}
	})

	t.Run("backlog", func(t *testing.T) {
		var cut cutter
		c := dialClient(t, ClientConfig{URL: url, Room: "e3", NetDial: cut.dial})
		cut.refuse()
		event(t, c, TypeDisconnected)
		for i := range maxOutbox {
			if err := c.Bye("p"); err != nil {
				t.Fatalf("message %d while reconnecting: %v", i, err)
			}
		}
		if err := c.Bye("p"); !errors.Is(err, ErrBacklog) {
			t.Fatalf("message %d while reconnecting: %v; want ErrBacklog", maxOutbox+1, err)
		}
	})

	t.Run("bad message", func(t *testing.T) {
		c := dialClient(t, ClientConfig{URL: url, Room: "e4"})
		err := c.Send(Message{Type: TypeCandidate, To: "p", Candidate: []byte("{not json")})
		if !errors.Is(err, ErrBadMessage) {
			t.Fatalf("send of invalid raw JSON: %v; want ErrBadMessage", err)
		}
	})
}

func awaitEventsClosed(t *testing.T, c *Client) {
	t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case _, ok := <-c.Events():
			if !ok {
				return
			}
		case <-timeout:
			t.Fatal("events still open")
		}
	}
}
