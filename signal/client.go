package signal

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// ClientConfig configures a Client.
type ClientConfig struct {
	URL   string // ws://, wss://, http:// or https://; a bare host gets /ws
	Room  string
	Role  Role // default peer
	Name  string
	Token string

	TLS    *tls.Config // for wss: custom CAs, InsecureSkipVerify
	Header http.Header
	// NetDial, when set, makes the TCP connections (tests use it to cut
	// them).
	NetDial func(ctx context.Context, network, addr string) (net.Conn, error)

	// NoReconnect makes a dropped connection final instead of reconnecting
	// with backoff and resuming the session.
	NoReconnect  bool
	MaxBackoff   time.Duration // default 5 s
	PingInterval time.Duration // WebSocket pings to the server; default 15 s
	Logger       *slog.Logger
}

// Client is a connection to a signaling server, joined to one room. It
// reconnects and resumes by itself; Events delivers what the server sends.
type Client struct {
	cfg    ClientConfig
	url    string
	dialer websocket.Dialer
	log    *slog.Logger
	events chan Message
	done   chan struct{}
	wg     sync.WaitGroup

	mu      sync.Mutex
	ws      *websocket.Conn // nil while reconnecting
	welcome Message
	outbox  []Message // sent while reconnecting; flushed after a resume
	closed  bool
	err     error
}

// Dial connects to the server and joins the room; it returns once the
// welcome has arrived. A refused join returns an *Error.
func Dial(ctx context.Context, cfg ClientConfig) (*Client, error) {
	u, err := wsURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.Role == "" {
		cfg.Role = RolePeer
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Second
	}
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = 15 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Client{
		cfg: cfg, url: u, log: cfg.Logger,
		dialer: websocket.Dialer{
			TLSClientConfig:  cfg.TLS,
			HandshakeTimeout: 10 * time.Second,
			NetDialContext:   cfg.NetDial,
			ReadBufferSize:   4096,
			WriteBufferSize:  4096,
		},
		events: make(chan Message, 64),
		done:   make(chan struct{}),
	}
	ws, w, err := c.connect(ctx, "")
	if err != nil {
		return nil, err
	}
	c.ws, c.welcome = ws, w
	c.wg.Add(1)
	go c.run(ws)
	return c, nil
}

// wsURL accepts what a user would type and gives the WebSocket URL.
func wsURL(raw string) (string, error) {
	if !strings.Contains(raw, "://") {
		raw = "ws://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("signal: server URL %q: %w", raw, err)
	}
	switch u.Scheme {
	case "ws", "wss":
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("signal: server URL %q: scheme must be ws, wss, http or https", raw)
	}
	if u.Host == "" {
		return "", fmt.Errorf("signal: server URL %q has no host", raw)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/ws"
	}
	return u.String(), nil
}

// connect dials and joins, resuming when resume is set.
func (c *Client) connect(ctx context.Context, resume string) (*websocket.Conn, Message, error) {
	ws, resp, err := c.dialer.DialContext(ctx, c.url, c.cfg.Header)
	if err != nil {
		if resp != nil {
			return nil, Message{}, fmt.Errorf("signal: dial %s: %w (HTTP %s)", c.url, err, resp.Status)
		}
		return nil, Message{}, fmt.Errorf("signal: dial %s: %w", c.url, err)
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(10 * time.Second)
	}
	join := Message{Type: TypeJoin, Room: c.cfg.Room, Role: c.cfg.Role, Name: c.cfg.Name, Token: c.cfg.Token, Resume: resume}
	ws.SetWriteDeadline(deadline)
	if err := ws.WriteJSON(join); err != nil {
		ws.Close()
		return nil, Message{}, fmt.Errorf("signal: join: %w", err)
	}
	ws.SetReadDeadline(deadline)
	var m Message
	if err := ws.ReadJSON(&m); err != nil {
		ws.Close()
		return nil, Message{}, fmt.Errorf("signal: waiting for welcome: %w", err)
	}
	switch m.Type {
	case TypeWelcome:
		ws.SetReadDeadline(time.Time{})
		return ws, m, nil
	case TypeError:
		ws.Close()
		return nil, Message{}, &Error{Code: m.Code, Text: m.Text, Ref: m.Ref}
	}
	ws.Close()
	return nil, Message{}, fmt.Errorf("signal: expected welcome, got %q", m.Type)
}

// ID is this client's id in the room (kept across resumes).
func (c *Client) ID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.welcome.ID
}

// Welcome is the latest welcome: the peers that were in the room and the
// ICE servers the server recommends.
func (c *Client) Welcome() Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.welcome
}

// Events delivers every message from the server after the first welcome,
// plus a TypeDisconnected event when the connection drops and a welcome
// when it is back (Resumed says whether the session survived). It is
// closed when the client is closed or gives up; Err then says why.
func (c *Client) Events() <-chan Message { return c.events }

// Err is why Events was closed: nil after Close.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Send sends m (from is stamped by the server). While the client is
// reconnecting, m waits and goes out if the session is resumed.
func (c *Client) Send(m Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	if c.ws == nil {
		if len(c.outbox) >= 256 {
			return fmt.Errorf("signal: %d messages waiting for the connection to come back", len(c.outbox))
		}
		c.outbox = append(c.outbox, m)
		return nil
	}
	return c.write(m)
}

// write sends m on the current connection. Called with c.mu held.
func (c *Client) write(m Message) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if err := c.ws.WriteMessage(websocket.TextMessage, data); err != nil {
		// The reader notices the broken connection and reconnects; the
		// message goes again after the resume.
		c.outbox = append(c.outbox, m)
		c.ws.Close()
		return nil
	}
	return nil
}

// Offer, Answer, SendCandidate and Bye are Send for each relay type.
func (c *Client) Offer(to, sdp string) error {
	return c.Send(Message{Type: TypeOffer, To: to, SDP: sdp})
}
func (c *Client) Answer(to, sdp string) error {
	return c.Send(Message{Type: TypeAnswer, To: to, SDP: sdp})
}
func (c *Client) SendCandidate(to string, cand *Candidate) error {
	return c.Send(NewCandidate(to, cand))
}
func (c *Client) Bye(to string) error { return c.Send(Message{Type: TypeBye, To: to}) }

// Close leaves the room (a 1000 close frame ends the session at once) and
// stops the client.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	ws := c.ws
	c.mu.Unlock()
	close(c.done)
	if ws != nil {
		ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		ws.Close()
	}
	c.wg.Wait()
	return nil
}

func (c *Client) emit(m Message) bool {
	select {
	case c.events <- m:
		return true
	case <-c.done:
		return false
	}
}

// run reads connections one after another until the client is closed.
func (c *Client) run(ws *websocket.Conn) {
	defer c.wg.Done()
	defer close(c.events)
	for {
		err := c.read(ws)
		c.mu.Lock()
		closed := c.closed
		c.ws = nil
		c.mu.Unlock()
		if closed {
			return
		}
		var ce *websocket.CloseError
		if c.cfg.NoReconnect || (errors.As(err, &ce) && (ce.Code == ClosePolicy || ce.Code == websocket.CloseNormalClosure)) {
			c.fail(fmt.Errorf("signal: connection ended: %w", err))
			return
		}
		c.log.Warn("signaling connection lost; reconnecting", "err", err)
		if !c.emit(Message{Type: TypeDisconnected}) {
			return
		}
		if ws = c.reconnect(); ws == nil {
			return
		}
	}
}

func (c *Client) fail(err error) {
	c.mu.Lock()
	c.err = err
	c.mu.Unlock()
}

// read delivers ws's messages until it fails.
func (c *Client) read(ws *websocket.Conn) error {
	stop := make(chan struct{})
	defer close(stop)
	timeout := 3 * c.cfg.PingInterval
	ws.SetReadDeadline(time.Now().Add(timeout))
	ws.SetPongHandler(func(string) error { return ws.SetReadDeadline(time.Now().Add(timeout)) })
	go func() {
		t := time.NewTicker(c.cfg.PingInterval)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.cfg.PingInterval))
			}
		}
	}()
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			ws.Close()
			return err
		}
		ws.SetReadDeadline(time.Now().Add(timeout))
		var m Message
		if err := json.Unmarshal(data, &m); err != nil {
			c.log.Warn("ignoring a malformed message from the server", "err", err)
			continue
		}
		if m.Type == TypeError {
			c.log.Warn("server error", "code", m.Code, "message", m.Text, "ref", m.Ref)
		}
		if !c.emit(m) {
			ws.Close()
			return ErrClosed
		}
	}
}

// reconnect dials with exponential backoff and jitter until it gets a
// welcome, resuming the session when the server still has it.
func (c *Client) reconnect() *websocket.Conn {
	backoff := 100 * time.Millisecond
	for {
		c.mu.Lock()
		resume := c.welcome.Resume
		c.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		go func() {
			select {
			case <-c.done:
				cancel()
			case <-ctx.Done():
			}
		}()
		ws, w, err := c.connect(ctx, resume)
		cancel()
		var se *Error
		switch {
		case err == nil:
			c.mu.Lock()
			if c.closed {
				c.mu.Unlock()
				ws.Close()
				return nil
			}
			c.ws, c.welcome = ws, w
			outbox := c.outbox
			c.outbox = nil
			if w.Resumed {
				for _, m := range outbox {
					c.write(m)
				}
			}
			c.mu.Unlock()
			c.log.Info("signaling reconnected", "resumed", w.Resumed, "id", w.ID)
			if !c.emit(w) {
				return nil
			}
			return ws
		case errors.As(err, &se) && se.Code == CodeUnauthorized:
			c.fail(err)
			return nil
		}
		c.log.Debug("reconnect failed", "err", err, "retry_in", backoff)
		jitter := time.Duration(rand.Int64N(int64(backoff)/2 + 1))
		select {
		case <-c.done:
			return nil
		case <-time.After(backoff + jitter):
		}
		backoff = min(2*backoff, c.cfg.MaxBackoff)
	}
}
