package peer

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
)

// byeGrace is how long a closed connection waits for the bye that may be
// on its way.
const byeGrace = time.Second

// Signaling is how a Call reaches its remote peer: a room server, an HTTP
// exchange, anything that carries descriptions, candidates and a bye. What
// comes back from the remote peer is handed to the Call's Handle methods.
type Signaling interface {
	// SendDescription sends our offer or answer.
	SendDescription(d webrtc.SessionDescription) error
	// SendCandidate sends a local candidate; nil is end-of-candidates.
	SendCandidate(c *webrtc.ICECandidateInit) error
	// SendBye tells the remote peer the call is over.
	SendBye() error
}

// Remote names the peer at the other end of a call.
type Remote struct {
	ID   string // unique among the calls of one program
	Name string // display name, may be empty
}

// Call is the PeerConnection with one remote peer.
type Call struct {
	Remote  Remote
	PC      *webrtc.PeerConnection
	Offerer bool
	Log     *slog.Logger
	// State is the handler's, set in Prepare: what it keeps for this call,
	// without a map of calls that Connected and Ended would race over.
	State any

	calls  *Calls
	sig    Signaling
	ctx    context.Context
	cancel context.CancelCauseFunc

	mu        sync.Mutex // remoteSet and pending: signaling may come on any goroutine
	remoteSet bool
	pending   []webrtc.ICECandidateInit

	// Local candidates wait until our description has gone out: a peer
	// that gets a candidate before the offer it belongs to drops it.
	localMu   sync.Mutex // held while sending candidates, to keep their order
	localSent bool
	local     []*webrtc.ICECandidateInit

	connected sync.Once
	ended     sync.Once
	complete  atomic.Bool
	failHold  atomic.Int64 // unix ns: a failed connection does not end the call before
}

// MarkComplete records that the call did what it was for (the receiver has
// the whole file; the recording is complete): a signaling that meets the
// same remote process again does not start it over.
func (c *Call) MarkComplete() { c.complete.Store(true) }

// Complete reports whether MarkComplete was called.
func (c *Call) Complete() bool { return c.complete.Load() }

// Context is cancelled when the call ends; context.Cause says why.
func (c *Call) Context() context.Context { return c.ctx }

// Bye tells the remote peer the call is over and ends it.
func (c *Call) Bye() {
	if err := c.sig.SendBye(); err != nil {
		c.Log.Debug("sending bye", "err", err)
	}
	c.End(nil)
}

// End ends the call once. The cause is fixed at once, in the order events
// arrive (a bye followed by peer-left is a bye); closing the connection,
// which can take a while (DTLS close_notify, goroutines), happens after.
// cause nil means we ended it ourselves.
func (c *Call) End(cause error) {
	c.ended.Do(func() {
		if cause == nil {
			cause = context.Canceled
		}
		c.cancel(cause)
		go func() {
			defer c.calls.wg.Done()
			c.calls.forget(c)
			c.calls.handler.Ended(c, cause)
			if err := c.PC.Close(); err != nil {
				c.Log.Debug("closing peer connection", "err", err)
			}
		}()
	})
}

// Offer makes an offer and sends it.
func (c *Call) Offer() error {
	offer, err := c.PC.CreateOffer(nil)
	if err == nil {
		err = c.PC.SetLocalDescription(offer)
	}
	if err == nil {
		c.Log.Debug("offering")
		err = c.sendDescription(offer)
	}
	if err != nil {
		err = fmt.Errorf("making the offer: %w", err)
		c.End(err)
	}
	return err
}

// HandleDescription applies the remote peer's offer (and answers it) or
// answer. A failure ends the call.
func (c *Call) HandleDescription(d webrtc.SessionDescription) error {
	err := c.setRemote(d)
	if err == nil && d.Type == webrtc.SDPTypeOffer {
		var answer webrtc.SessionDescription
		answer, err = c.PC.CreateAnswer(nil)
		if err == nil {
			err = c.PC.SetLocalDescription(answer)
		}
		if err == nil {
			c.Log.Debug("answering")
			err = c.sendDescription(answer)
		}
	}
	if err != nil {
		err = fmt.Errorf("applying the remote %s: %w", d.Type, err)
		c.End(err)
	}
	return err
}

// HandleCandidate applies a remote candidate, or keeps it until the remote
// description is set. nil is end-of-candidates, which needs no action:
// pion starts no further checks because of it.
func (c *Call) HandleCandidate(cand *webrtc.ICECandidateInit) {
	if cand == nil {
		return
	}
	c.mu.Lock()
	if !c.remoteSet {
		c.pending = append(c.pending, *cand)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	if err := c.PC.AddICECandidate(*cand); err != nil {
		c.Log.Warn("remote candidate refused", "err", err)
	}
}

// HandleBye ends the call because the remote peer said so.
func (c *Call) HandleBye() { c.End(ErrRemoteBye) }

func (c *Call) setRemote(d webrtc.SessionDescription) error {
	if err := c.PC.SetRemoteDescription(d); err != nil {
		return err
	}
	c.mu.Lock()
	c.remoteSet = true
	pending := c.pending
	c.pending = nil
	c.mu.Unlock()
	for _, cand := range pending {
		if err := c.PC.AddICECandidate(cand); err != nil {
			c.Log.Warn("remote candidate refused", "err", err)
		}
	}
	return nil
}

func (c *Call) onState(s webrtc.PeerConnectionState) {
	c.Log.Debug("peer connection state", "state", s.String())
	switch s {
	case webrtc.PeerConnectionStateConnected:
		c.connected.Do(func() {
			if r, ok := c.Route(); ok {
				c.Log.Info("connected", "route", r.String())
			} else {
				c.Log.Info("connected")
			}
			c.calls.wg.Add(1)
			go func() {
				defer c.calls.wg.Done()
				c.calls.handler.Connected(c)
			}()
		})
	case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
		// A sender that says bye closes its side at once, and DTLS's
		// close_notify usually beats the bye through the server: give
		// the bye a moment to arrive, so the call ends as finished.
		wait := byeGrace
		if until := time.Unix(0, c.failHold.Load()); s == webrtc.PeerConnectionStateFailed && time.Until(until) > wait {
			wait = time.Until(until) // an ICE restart is under way
		}
		time.AfterFunc(wait, func() {
			if s == webrtc.PeerConnectionStateFailed && c.PC.ConnectionState() == webrtc.PeerConnectionStateConnected {
				return // the restart brought it back
			}
			c.End(fmt.Errorf("%w (%s)", ErrFailed, s))
		})
	}
}

// HoldFailure keeps a failed connection from ending the call for d: an
// ICE restart is under way and may bring it back.
func (c *Call) HoldFailure(d time.Duration) { c.failHold.Store(time.Now().Add(d).UnixNano()) }

// sendDescription sends our offer or answer, then the candidates gathered
// meanwhile.
func (c *Call) sendDescription(d webrtc.SessionDescription) error {
	// Not under localMu: a slow signaling write must not hold up pion's
	// gathering, whose callback takes the lock.
	if err := c.sig.SendDescription(d); err != nil {
		return err
	}
	c.localMu.Lock()
	defer c.localMu.Unlock()
	c.localSent = true
	for _, cand := range c.local {
		c.sendCandidate(cand)
	}
	c.local = nil
	return nil
}

func (c *Call) onCandidate(cand *webrtc.ICECandidate) {
	var init *webrtc.ICECandidateInit
	if cand != nil {
		j := cand.ToJSON()
		init = &j
	}
	c.localMu.Lock()
	defer c.localMu.Unlock()
	if !c.localSent {
		c.local = append(c.local, init)
		return
	}
	c.sendCandidate(init)
}

func (c *Call) sendCandidate(cand *webrtc.ICECandidateInit) {
	if err := c.sig.SendCandidate(cand); err != nil {
		c.Log.Debug("sending a candidate", "err", err)
	}
}
