package signal

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/gorilla/websocket"
)

// maxOutbox is how many messages may wait for the connection to come back.
const maxOutbox = 256

// clientWriteTimeout bounds one message's write.
const clientWriteTimeout = 10 * time.Second

// Send sends m (from is stamped by the server). While the client is
// reconnecting, m waits and goes out if the session is resumed. Messages
// go out in the order Send is called.
//
// It fails with ErrClosed after Close, ErrDisconnected once the client has
// given up on the server (wrapping Err), ErrBacklog when maxOutbox
// messages are already waiting, and ErrBadMessage when m does not encode.
func (c *Client) Send(m Message) error {
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadMessage, err)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.mu.Lock()
	ws, err := c.sendable()
	if ws == nil {
		if err == nil {
			c.outbox = append(c.outbox, data)
		}
		c.mu.Unlock()
		return err
	}
	c.mu.Unlock()

	if err := writeText(ws, data); err != nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.closed {
			return ErrClosed
		}
		if c.cfg.NoReconnect {
			return fmt.Errorf("%w: %v", ErrDisconnected, err)
		}
		// The reader notices the broken connection and reconnects; the
		// message goes again after a resume. It is in the outbox before
		// wmu is released, so before the reconnect can flush.
		c.outbox = append(c.outbox, data)
		ws.Close()
	}
	return nil
}

// sendable returns the connection to write on, or nil with the reason a
// message cannot even wait (nil error: it can wait in the outbox). Called
// with c.mu held.
func (c *Client) sendable() (*websocket.Conn, error) {
	switch {
	case c.closed:
		return nil, ErrClosed
	case c.err != nil:
		return nil, fmt.Errorf("%w: %w", ErrDisconnected, c.err)
	case c.ws != nil:
		return c.ws, nil
	case len(c.outbox) >= maxOutbox:
		return nil, fmt.Errorf("%w (%d)", ErrBacklog, len(c.outbox))
	}
	return nil, nil
}

// flush writes what waited for a resumed session onto its new connection.
// Called with c.wmu held, so that nothing sent meanwhile overtakes it.
func (c *Client) flush(ws *websocket.Conn, outbox [][]byte) {
	for i, data := range outbox {
		if err := writeText(ws, data); err != nil {
			// Failed again: the rest waits for the next resume.
			c.mu.Lock()
			c.outbox = append(outbox[i:], c.outbox...)
			c.mu.Unlock()
			ws.Close()
			return
		}
	}
}

func writeText(ws *websocket.Conn, data []byte) error {
	ws.SetWriteDeadline(time.Now().Add(clientWriteTimeout))
	return ws.WriteMessage(websocket.TextMessage, data)
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
