package signal

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// dialect is the protocol a connection speaks, fixed by its first message.
type dialect uint8

const (
	dialectUnknown dialect = iota
	dialectNative
	// dialectRole is the first tutorial's (PROTOCOL.md's dialect A): a
	// page names only its role, {"type":"sender"|"receiver"}, and its
	// createOffer, createAnswer and iceCandidate go to a peer picked by
	// role, since its messages carry no ids.
	dialectRole
	// dialectAction is the second tutorial's (dialect B): messages are
	// {"action":…,"data":{…}}, joined by {"action":"start"} and addressed
	// by data.remoteId.
	dialectAction
)

// joinQuery holds the join fields an upgrade URL may carry.
type joinQuery struct{ room, role, name, token string }

// outItem is one queued frame: a text message, or a close frame after which
// the writer stops.
type outItem struct {
	data      []byte
	closeCode int
	closeText string // the close frame's reason
}

// conn is one WebSocket connection. Its reader runs in the HTTP handler's
// goroutine; a writer goroutine exists only while its queue is non-empty,
// so an idle connection costs one goroutine.
type conn struct {
	srv    *Server
	ws     *websocket.Conn
	remote string
	addr   string    // what the per-address limit counts; "" when exempt
	host   string    // the Host the client reached the server by
	query  joinQuery // from the upgrade URL
	lim    limiter

	// Owned by the reader goroutine.
	dialect    dialect
	lastErrLog time.Time
	joined     bool      // has joined a room at least once
	joinBy     time.Time // the end of the join timeout; zero for none

	// Guarded by srv.hub.mu: a resume on another connection can take the
	// session away.
	id   string
	peer *peer

	mu       sync.Mutex
	queue    []outItem
	spare    []outItem
	queued   int // bytes in queue
	writing  bool
	dead     bool          // no more writes: closed, failed or close frame sent
	finished chan struct{} // closed when the writer has sent a close frame or given up

	pingTimer *time.Timer
}

// enqueue adds a frame for the writer and reports whether it was taken. A
// connection whose queue is full is a reader that stopped reading: it is
// cut off so that it can never hold up the room.
func (c *conn) enqueue(it outItem) bool {
	c.mu.Lock()
	if c.dead {
		c.mu.Unlock()
		return false
	}
	if it.closeCode == 0 && (len(c.queue) >= c.srv.cfg.SendQueue || c.queued+len(it.data) > c.srv.cfg.queueBytes()) {
		c.dead = true
		n := len(c.queue)
		c.mu.Unlock()
		c.srv.metrics.slowDrops.Inc()
		c.srv.log.Warn("dropping slow client", "remote", c.remote, "queued", n)
		c.ws.UnderlyingConn().Close()
		return false
	}
	c.queue = append(c.queue, it)
	c.queued += len(it.data)
	if !c.writing {
		c.writing = true
		go c.writeLoop()
	}
	c.mu.Unlock()
	return true
}

// unsent takes the messages the connection never got to write, so that a
// session kept for resume can deliver them on its next connection.
func (c *conn) unsent() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out [][]byte
	for _, it := range c.queue {
		if it.closeCode == 0 {
			out = append(out, it.data)
		}
	}
	c.queue, c.queued = nil, 0
	return out
}

func (c *conn) send(data []byte) bool { return c.enqueue(outItem{data: data}) }

func (c *conn) writeLoop() {
	for {
		c.mu.Lock()
		if len(c.queue) == 0 || c.dead {
			c.writing = false
			c.mu.Unlock()
			return
		}
		batch := c.queue
		c.queue, c.spare = c.spare[:0], nil
		c.mu.Unlock()

		sent := 0
		for i := range batch {
			it := batch[i]
			batch[i] = outItem{}
			if err := c.write(it); err != nil || it.closeCode != 0 {
				c.mu.Lock()
				c.dead, c.writing = true, false
				// What was never tried stays for unsent, ahead of what
				// came in meanwhile.
				c.queue = append(batch[i+1:len(batch):len(batch)], c.queue...)
				c.mu.Unlock()
				close(c.finished)
				if err != nil {
					c.ws.UnderlyingConn().Close()
				}
				return
			}
			sent += len(it.data)
		}
		c.mu.Lock()
		c.queued -= sent
		if c.spare == nil {
			c.spare = batch[:0]
		}
		c.mu.Unlock()
	}
}

func (c *conn) write(it outItem) error {
	deadline := time.Now().Add(c.srv.cfg.WriteTimeout)
	if it.closeCode != 0 {
		return c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(it.closeCode, it.closeText), deadline)
	}
	c.ws.SetWriteDeadline(deadline)
	return c.ws.WriteMessage(websocket.TextMessage, it.data)
}

// closeWith queues a close frame, waits for it to be written, then lets the
// peer read it before the socket goes: closing with unread input would
// reset the connection and could destroy the frames just sent.
func (c *conn) closeWith(code int, reason string) {
	c.enqueue(outItem{closeCode: code, closeText: closeReason(reason)})
	select {
	case <-c.finished:
	case <-time.After(c.srv.cfg.WriteTimeout):
	}
	nc := c.ws.UnderlyingConn()
	if tc, ok := nc.(interface{ CloseWrite() error }); ok {
		tc.CloseWrite()
	}
	nc.SetReadDeadline(time.Now().Add(time.Second))
	io.Copy(io.Discard, io.LimitReader(nc, 1<<20))
	nc.Close()
}

func (c *conn) ping() {
	c.mu.Lock()
	dead := c.dead
	c.mu.Unlock()
	if dead {
		return
	}
	// WriteControl may run concurrently with the writer goroutine.
	c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.srv.cfg.WriteTimeout))
	c.pingTimer.Reset(c.srv.cfg.PingInterval)
}

// closeReason cuts text to the 123 bytes a close frame has room for.
func closeReason(text string) string {
	for len(text) > 123 {
		_, n := utf8.DecodeLastRuneInString(text)
		text = text[:len(text)-n]
	}
	return text
}

// extendRead moves the read deadline past the next ping's answer; until
// the connection joins, no further than its join timeout.
func (c *conn) extendRead() {
	deadline := time.Now().Add(c.srv.cfg.PingInterval + c.srv.cfg.PongTimeout)
	if !c.joined && !c.joinBy.IsZero() && c.joinBy.Before(deadline) {
		deadline = c.joinBy
	}
	c.ws.SetReadDeadline(deadline)
}

// joinExpired tells a read that ended at the join timeout from other ends.
func (c *conn) joinExpired(err error) bool {
	var ne net.Error
	return !c.joined && !c.joinBy.IsZero() && errors.As(err, &ne) && ne.Timeout() && !time.Now().Before(c.joinBy)
}

var readBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// serve reads and dispatches messages until the connection ends.
func (c *conn) serve() {
	defer c.finish()
	c.lim = newLimiter(c.srv.cfg.Rate, c.srv.cfg.Burst, time.Now())
	if t := c.srv.cfg.JoinTimeout; t > 0 {
		c.joinBy = time.Now().Add(t)
	}
	c.extendRead()
	c.ws.SetPongHandler(func(string) error { c.extendRead(); return nil })
	c.pingTimer = time.AfterFunc(c.srv.cfg.PingInterval, c.ping)
	limit := c.srv.cfg.MaxMessage
	for {
		mt, r, err := c.ws.NextReader()
		if c.joinExpired(err) {
			c.fail(CodeNotJoined, fmt.Sprintf("no join within %v", c.srv.cfg.JoinTimeout), ClosePolicy)
			return
		}
		if err != nil {
			c.cleanup(err)
			return
		}
		c.extendRead()
		buf := readBufs.Get().(*bytes.Buffer)
		buf.Reset()
		n, err := buf.ReadFrom(io.LimitReader(r, limit+1))
		if n > limit {
			readBufs.Put(buf)
			c.fail(CodeTooLarge, "message over the size limit", CloseTooLarge)
			return
		}
		if err != nil {
			readBufs.Put(buf)
			c.cleanup(err)
			return
		}
		now := time.Now()
		if ok, warn, abusive := c.lim.allow(now); !ok {
			readBufs.Put(buf)
			if abusive {
				c.fail(CodeRateLimited, "persistent message flood", ClosePolicy)
				return
			}
			if warn {
				c.sendError(CodeRateLimited, "message rate exceeded; message dropped", "")
			}
			continue
		}
		if mt != websocket.TextMessage {
			c.sendError(CodeBadMessage, "binary frames are not accepted", "")
		} else if fatal := c.handleOffStack(buf.Bytes()); fatal {
			readBufs.Put(buf)
			return
		}
		if buf.Cap() <= 64<<10 {
			readBufs.Put(buf)
		}
	}
}

// handleOffStack runs handle on a short-lived goroutine. The JSON work
// would grow the reader's stack to 8 KB and keep it there for the life of
// the connection; this way an idle connection parks on a small stack.
func (c *conn) handleOffStack(data []byte) bool {
	done := make(chan bool, 1)
	go func() { done <- c.handle(data) }()
	return <-done
}

// fail sends a fatal error and closes with closeCode, text as the reason.
func (c *conn) fail(code, text string, closeCode int) {
	c.sendError(code, text, "")
	c.srv.log.Info("closing connection", "id", c.id, "remote", c.remote, "code", code)
	c.cleanup(nil)
	c.closeWith(closeCode, text)
}

// cleanup ends the connection's part in the hub once. A close frame with
// 1000 or 1001 ends the session; any other end starts its resume window.
func (c *conn) cleanup(err error) {
	clean := err == nil || websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway)
	c.srv.hub.disconnect(c, clean)
	if err != nil && !clean && !isExpectedNetErr(err) {
		c.srv.log.Debug("connection ended", "remote", c.remote, "err", err)
	}
}

// finish releases what the connection holds once its reader is done.
func (c *conn) finish() {
	c.cleanup(nil) // no-op unless serve returned early
	c.pingTimer.Stop()
	c.mu.Lock()
	c.dead = true
	c.mu.Unlock()
	c.ws.UnderlyingConn().Close()
	c.srv.connClosed(c)
}

func isExpectedNetErr(err error) bool {
	var ce *websocket.CloseError
	return errors.As(err, &ce) || errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// closed reports whether the connection takes no more writes.
func (c *conn) closed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dead
}
