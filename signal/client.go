package signal

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
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
	// URL is the signaling server: ws://, wss://, http:// or https://; a
	// bare host gets /ws.
	URL string
	// URLs are more servers, after URL (which may then be empty): Dial
	// tries them in order until one takes the join, and a lost connection
	// reconnects to the next one, round robin, presenting the session's
	// resume token (see Dial and Events).
	URLs  []string
	Room  string
	Role  Role // default peer
	Name  string
	Token string

	TLS    *tls.Config // for wss: see ClientTLSOptions
	Header http.Header
	// NetDial, when set, makes the TCP connections (tests use it to cut
	// them).
	NetDial func(ctx context.Context, network, addr string) (net.Conn, error)

	// NoReconnect makes a dropped connection final instead of reconnecting
	// with backoff and resuming the session.
	NoReconnect bool
	// ReconnectTimeout is how long the server may stay unreachable before
	// the client gives up with ErrUnreachable: default 2 min, negative
	// for never.
	ReconnectTimeout time.Duration
	MaxBackoff       time.Duration // default 5 s
	PingInterval     time.Duration // WebSocket pings to the server; default 15 s
	Logger           *slog.Logger
}

// Client is a connection to a signaling server, joined to one room. It
// reconnects and resumes by itself; Events delivers what the server sends.
type Client struct {
	cfg    ClientConfig
	urls   []string // the servers, in order
	shown  []string // urls for messages, without secrets
	dialer websocket.Dialer
	log    *slog.Logger
	events chan Message
	done   chan struct{}
	wg     sync.WaitGroup

	// wmu serialises writes, so that one client's messages go out in
	// order, the outbox flushed after a resume first. It is held across a
	// network write, which can take up to the 10 s write deadline; mu
	// never is, so that ID, Welcome and Err answer at once whatever the
	// network does, and Close within a second. Lock order: wmu, then mu.
	wmu sync.Mutex

	mu      sync.Mutex
	ws      *websocket.Conn // nil while reconnecting
	cur     int             // the index in urls of ws's server, or of the last one
	welcome Message
	outbox  [][]byte // encoded messages sent while reconnecting; flushed after a resume
	closed  bool     // Close was called
	err     error    // why the client gave up; set once run has stopped for good
}

// Dial connects to the server and joins the room; it returns once the
// welcome has arrived. A refused join returns an error wrapping the
// server's *Error, which matches the sentinel of its code:
// errors.Is(err, ErrUnauthorized), ErrRoomFull, ErrServerFull, ….
//
// With several servers (URL and URLs), Dial tries them in order. A server
// that cannot be reached, or whose WebSocket handshake fails, is skipped
// for the next one, and so is one that refuses for reasons of its own
// (ErrServerFull, or a cluster instance's "unavailable"); any other
// refusal (a bad token, a full room, …) is the answer, and Dial returns
// it. When every server fails, the error names each and why, and matches
// each one's errors.
func Dial(ctx context.Context, cfg ClientConfig) (*Client, error) {
	var urls, shown []string
	for _, raw := range append([]string{cfg.URL}, cfg.URLs...) {
		if raw == "" {
			continue
		}
		u, err := wsURL(raw)
		if err != nil {
			return nil, err
		}
		urls, shown = append(urls, u), append(shown, redacted(u))
	}
	if len(urls) == 0 {
		return nil, errors.New("signal: no server URL")
	}
	if cfg.Role == "" {
		cfg.Role = RolePeer
	}
	if cfg.ReconnectTimeout == 0 {
		cfg.ReconnectTimeout = 2 * time.Minute
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
		cfg: cfg, urls: urls, shown: shown, log: cfg.Logger,
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
	var errs []error
	for i := range urls {
		ws, w, err := c.connect(ctx, i, "")
		if err == nil {
			c.ws, c.welcome, c.cur = ws, w, i
			c.log.Info("signaling connected", "server", shown[i])
			c.wg.Add(1)
			go c.run(ws)
			return c, nil
		}
		errs = append(errs, err)
		if len(urls) == 1 || !elsewhere(err) {
			return nil, fmt.Errorf("signal: %w", err)
		}
		if ctx.Err() != nil {
			break // no time left for the others
		}
		if i+1 < len(urls) {
			c.log.Warn("signaling server unavailable; trying the next", "server", shown[i], "err", err, "next", shown[i+1])
		}
	}
	if len(errs) < len(urls) {
		return nil, fmt.Errorf("signal: no signaling server took the join in time (%d of %d tried): %w", len(errs), len(urls), serversError(errs))
	}
	return nil, fmt.Errorf("signal: none of the %d signaling servers took the join: %w", len(urls), serversError(errs))
}

// elsewhere tells whether another server may take the join that this
// error is about: the server was not reached, its handshake failed, or it
// refused for reasons of its own rather than the client's or the room's:
// it is full, or (a cluster instance cut off from Redis) "unavailable".
func elsewhere(err error) bool {
	var se *Error
	if !errors.As(err, &se) {
		return true
	}
	return se.Code == CodeServerFull || se.Code == "unavailable"
}

// serversError is why each of several servers failed, each error naming
// its server.
type serversError []error

func (e serversError) Error() string {
	s := make([]string, len(e))
	for i, err := range e {
		s[i] = err.Error()
	}
	return strings.Join(s, "; ")
}

func (e serversError) Unwrap() []error { return e }

// connect dials urls[i] and joins, resuming when resume is set. Its errors
// name the server.
func (c *Client) connect(ctx context.Context, i int, resume string) (*websocket.Conn, Message, error) {
	shown := c.shown[i]
	ws, resp, err := c.dialer.DialContext(ctx, c.urls[i], c.cfg.Header)
	if err != nil {
		if resp != nil {
			err = fmt.Errorf("%w (HTTP %s)", err, resp.Status)
		}
		return nil, Message{}, fmt.Errorf("dial %s: %w", shown, c.explain(ctx, i, err, resp))
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(10 * time.Second)
	}
	join := Message{Type: TypeJoin, Room: c.cfg.Room, Role: c.cfg.Role, Name: c.cfg.Name, Token: c.cfg.Token, Resume: resume}
	ws.SetWriteDeadline(deadline)
	if err := ws.WriteJSON(join); err != nil {
		ws.Close()
		return nil, Message{}, fmt.Errorf("join at %s: %w", shown, err)
	}
	ws.SetReadDeadline(deadline)
	var m Message
	if err := ws.ReadJSON(&m); err != nil {
		ws.Close()
		return nil, Message{}, fmt.Errorf("waiting for the welcome from %s: %w", shown, err)
	}
	switch m.Type {
	case TypeWelcome:
		ws.SetReadDeadline(time.Time{})
		return ws, m, nil
	case TypeError:
		ws.Close()
		return nil, Message{}, fmt.Errorf("joining room %q at %s: %w", c.cfg.Room, shown, &Error{Code: m.Code, Text: m.Text, Ref: m.Ref})
	}
	ws.Close()
	return nil, Message{}, fmt.Errorf("expected a welcome from %s, got %q", shown, m.Type)
}

// redacted is u for messages: a password and a token in the query are
// elided.
func redacted(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	if q := p.Query(); q.Has("token") {
		q.Set("token", "xxxxx")
		p.RawQuery = q.Encode()
	}
	return p.Redacted()
}

// ID is this client's id in the room (kept across resumes).
func (c *Client) ID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.welcome.ID
}

// Server is the server the client is connected to, or was last while it
// reconnects, without secrets: one of ClientConfig's URLs as a WebSocket
// URL.
func (c *Client) Server() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.shown[c.cur]
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

// Err is why Events was closed: nil after Close or while the client runs.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

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
		// Waits at most a second for a write in progress (gorilla lets a
		// control frame through between messages only); closing the socket
		// then ends that write, and Send returns ErrClosed.
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
