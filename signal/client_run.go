package signal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// run reads connections one after another until the client is closed.
func (c *Client) run(ws *websocket.Conn) {
	defer c.wg.Done()
	defer close(c.events)
	for {
		err := c.read(ws)
		var ce *websocket.CloseError
		final := c.cfg.NoReconnect || (errors.As(err, &ce) && (ce.Code == ClosePolicy || ce.Code == websocket.CloseNormalClosure))
		c.mu.Lock()
		closed := c.closed
		c.ws = nil
		from := c.cur
		if final && !closed {
			// In the same critical section as ws = nil, so that no Send
			// puts a message in an outbox nobody will flush.
			c.err = fmt.Errorf("signal: connection to %s ended: %w", c.shown[from], err)
		}
		c.mu.Unlock()
		if closed || final {
			return
		}
		c.log.Warn("signaling connection lost; reconnecting", "server", c.shown[from], "err", err)
		if !c.emit(Message{Type: TypeDisconnected}) {
			return
		}
		if ws = c.reconnect(from); ws == nil {
			return
		}
	}
}

// fail records why the client gave up, unless it was closed: Err is nil
// after Close.
func (c *Client) fail(err error) {
	c.mu.Lock()
	if !c.closed {
		c.err = err
	}
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

// ErrUnreachable: the client gave up reconnecting after
// ClientConfig.ReconnectTimeout.
var ErrUnreachable = errors.New("signal: signaling server unreachable")

// reconnect dials with exponential backoff and jitter until it gets a
// welcome, resuming the session when the server still has it. With
// several servers it goes round them, starting with the one after from,
// whose connection was lost, and trying that one last: a round of
// attempts, one per server, goes without a pause, and the backoff is
// between rounds. It says now and then that it is still trying, and gives
// up after cfg.ReconnectTimeout (one last try at the limit, and every
// server tried at least once), naming each server's latest failure.
func (c *Client) reconnect(from int) *websocket.Conn {
	lost := time.Now()
	limit := c.cfg.ReconnectTimeout
	notice := 10 * time.Second // between "still reconnecting" lines
	if limit > 0 {
		notice = min(notice, limit/4) // a few before giving up
	}
	var noticed time.Time
	backoff := 100 * time.Millisecond
	n := len(c.urls)
	errs := make(serversError, n) // each server's latest failure
	i := from
	for attempt := 1; ; attempt++ {
		i = (i + 1) % n
		timeout := 10 * time.Second
		if limit > 0 { // an attempt ends about when the time is up
			timeout = min(timeout, max(limit-time.Since(lost), time.Second))
		}
		ws, w, err := c.redial(i, timeout)
		switch {
		case err == nil:
			if !c.attach(ws, w, i) {
				ws.Close()
				return nil
			}
			c.log.Info("signaling reconnected", "server", c.shown[i], "resumed", w.Resumed, "id", w.ID, "down_for", time.Since(lost).Round(time.Millisecond))
			if !c.emit(w) {
				return nil
			}
			return ws
		case errors.Is(err, ErrUnauthorized):
			c.fail(fmt.Errorf("signal: %w", err))
			return nil
		}
		select {
		case <-c.done: // the attempt failed because of Close
			return nil
		default:
		}
		errs[i] = err
		var why error = errs
		if n == 1 {
			why = err
		}
		down := time.Since(lost)
		if limit > 0 && down >= limit && attempt >= n {
			c.fail(fmt.Errorf("%w for %v: %w; is `webrtc-cli serve` running at %s?", ErrUnreachable, limit, why, c.servers()))
			return nil
		}
		if i != from { // the round goes on at once
			c.log.Debug("reconnect failed", "attempt", attempt, "server", c.shown[i], "err", err, "next", c.shown[(i+1)%n])
			continue
		}
		next := backoff + time.Duration(rand.Int64N(int64(backoff)/2+1))
		if limit > 0 {
			next = min(next, limit-down) // one last try at the limit
		}
		if time.Since(noticed) >= notice {
			noticed = time.Now()
			c.log.Info("still reconnecting to the signaling server", "attempt", attempt,
				"next_in", next.Round(time.Millisecond), "down_for", down.Round(time.Millisecond), "err", why)
		} else {
			c.log.Debug("reconnect failed", "attempt", attempt, "server", c.shown[i], "err", err, "retry_in", next.Round(time.Millisecond))
		}
		select {
		case <-c.done:
			return nil
		case <-time.After(next):
		}
		backoff = min(2*backoff, c.cfg.MaxBackoff)
	}
}

// servers lists the servers for a message: "a", "a or b", "a, b or c".
func (c *Client) servers() string {
	s := c.shown
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// redial is one attempt of reconnect, at urls[i], which Close cuts short.
func (c *Client) redial(i int, timeout time.Duration) (*websocket.Conn, Message, error) {
	c.mu.Lock()
	resume := c.welcome.Resume
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	go func() {
		select {
		case <-c.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	return c.connect(ctx, i, resume)
}

// attach makes ws the client's connection after a reconnect, flushing the
// outbox onto it first when the session was resumed: a fresh session has
// other peers, to whom those messages mean nothing. It reports false when
// the client was closed meanwhile.
func (c *Client) attach(ws *websocket.Conn, w Message, i int) bool {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return false
	}
	c.ws, c.welcome, c.cur = ws, w, i
	outbox := c.outbox
	c.outbox = nil
	c.mu.Unlock()
	if w.Resumed {
		c.flush(ws, outbox)
	}
	return true
}
