package peer

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// byeGrace is how long a closed connection waits for the bye that may be
// on its way.
const byeGrace = time.Second

// Call is the PeerConnection with one remote peer.
type Call struct {
	Remote  signal.PeerInfo
	PC      *webrtc.PeerConnection
	Offerer bool
	Log     *slog.Logger

	m      *Manager
	ctx    context.Context
	cancel context.CancelCauseFunc

	// Owned by the manager's event loop.
	remoteSet bool
	pending   []webrtc.ICECandidateInit

	connected sync.Once
	ended     sync.Once
}

// Context is cancelled when the call ends; context.Cause says why.
func (c *Call) Context() context.Context { return c.ctx }

// Bye tells the remote peer the call is over and ends it.
func (c *Call) Bye() {
	c.m.sig.Bye(c.Remote.ID)
	c.end(nil)
}

// end ends the call once. The cause is fixed at once, in the order events
// arrive (a bye followed by peer-left is a bye); closing the connection,
// which can take a while (DTLS close_notify, goroutines), happens after.
// cause nil means we ended it ourselves.
func (c *Call) end(cause error) {
	c.ended.Do(func() {
		if cause == nil {
			cause = context.Canceled
		}
		c.cancel(cause)
		c.m.forget(c)
		go func() {
			defer c.m.wg.Done()
			c.m.handler.Ended(c, cause)
			if err := c.PC.Close(); err != nil {
				c.Log.Debug("closing peer connection", "err", err)
			}
		}()
	})
}

func (c *Call) onState(s webrtc.PeerConnectionState) {
	c.Log.Debug("peer connection state", "state", s.String())
	switch s {
	case webrtc.PeerConnectionStateConnected:
		c.connected.Do(func() {
			c.Log.Info("connected")
			c.m.wg.Add(1)
			go func() {
				defer c.m.wg.Done()
				c.m.handler.Connected(c)
			}()
		})
	case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
		// A sender that says bye closes its side at once, and DTLS's
		// close_notify usually beats the bye through the server: give
		// the bye a moment to arrive, so the call ends as finished.
		time.AfterFunc(byeGrace, func() { c.end(fmt.Errorf("%w (%s)", ErrFailed, s)) })
	}
}

func (c *Call) onCandidate(cand *webrtc.ICECandidate) {
	if cand == nil {
		c.m.sig.SendCandidate(c.Remote.ID, nil)
		return
	}
	init := cand.ToJSON()
	c.m.sig.SendCandidate(c.Remote.ID, &signal.Candidate{
		Candidate: init.Candidate, SDPMid: init.SDPMid, SDPMLineIndex: init.SDPMLineIndex, UsernameFragment: init.UsernameFragment,
	})
}

// addCandidate applies a remote candidate, or keeps it until the remote
// description is set. Called from the event loop.
func (c *Call) addCandidate(cand webrtc.ICECandidateInit) {
	if !c.remoteSet {
		c.pending = append(c.pending, cand)
		return
	}
	if err := c.PC.AddICECandidate(cand); err != nil {
		c.Log.Warn("remote candidate refused", "err", err)
	}
}

func (c *Call) setRemote(d webrtc.SessionDescription) error {
	if err := c.PC.SetRemoteDescription(d); err != nil {
		return err
	}
	c.remoteSet = true
	for _, cand := range c.pending {
		c.addCandidate(cand)
	}
	c.pending = nil
	return nil
}
