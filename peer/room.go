package peer

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/pion/webrtc/v4"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// Room drives calls from a room of webrtc-cli's signaling protocol: one
// call per remote peer, offered or answered by the protocol's who-offers
// rule, with trickle ICE both ways.
type Room struct {
	sig   *signal.Client
	role  signal.Role
	calls *Calls
	log   *slog.Logger

	mu        sync.Mutex
	byPeer    map[string]*Call
	known     map[string]signal.PeerInfo // presence seen since the welcome
	instances map[string]*Call           // the latest call with each remote process
	// instance names this Room in its offers and answers (signal.Message's
	// Instance): the same across reconnections and server restarts. One
	// per Room, not per process: a test or the demo runs several.
	instance string
}

// NewRoom drives calls for the room sig has joined as role.
func NewRoom(sig *signal.Client, role signal.Role, calls *Calls, log *slog.Logger) *Room {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Room{sig: sig, role: role, calls: calls, log: log, byPeer: map[string]*Call{}, known: map[string]signal.PeerInfo{},
		instances: map[string]*Call{}, instance: strings.ToLower(rand.Text())}
}

// Run handles signaling events until ctx is done or the client gives up,
// then ends every call and waits for them.
func (r *Room) Run(ctx context.Context) error {
	defer r.calls.Close()
	r.welcome(r.sig.Welcome())
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-r.sig.Events():
			if !ok {
				if err := r.sig.Err(); err != nil {
					return fmt.Errorf("%w: %w", ErrSessionLost, err)
				}
				return nil
			}
			r.handle(ev)
		}
	}
}

func (r *Room) welcome(w signal.Message) {
	for _, p := range w.Peers {
		if signal.Offers(r.role, p.Role, true) {
			r.offer(p)
		}
	}
}

func (r *Room) handle(ev signal.Message) {
	switch ev.Type {
	case signal.TypeWelcome:
		if !ev.Resumed {
			// A new session (the server restarted, or the resume window
			// passed): the room sees us under a new id. Calls still
			// connecting are over; connected ones need no signaling and
			// go on, and a peer met again under its new id is not
			// called a second time (see duplicate).
			r.log.Warn("signaling session was not resumed; starting over", "id", ev.ID)
			for _, c := range r.callsNow() {
				if c.PC.ConnectionState() != webrtc.PeerConnectionStateConnected {
					c.End(ErrSessionLost)
				}
			}
			r.welcome(ev)
		}
	case signal.TypePeerJoined:
		if ev.Peer == nil {
			return
		}
		r.mu.Lock()
		r.known[ev.Peer.ID] = *ev.Peer
		r.mu.Unlock()
		if signal.Offers(r.role, ev.Peer.Role, false) {
			r.offer(*ev.Peer)
		}
	case signal.TypePeerLeft:
		r.mu.Lock()
		delete(r.known, ev.ID)
		r.mu.Unlock()
		if c := r.call(ev.ID); c != nil {
			c.End(ErrRemoteLeft)
		}
	case signal.TypeBye:
		if c := r.call(ev.From); c != nil {
			c.HandleBye()
		}
	case signal.TypeOffer:
		r.answer(ev)
	case signal.TypeAnswer:
		c := r.call(ev.From)
		if c == nil || !c.Offerer {
			r.log.Warn("ignoring an answer to no offer", "from", ev.From)
			return
		}
		if r.duplicate(ev.Instance, ev.From) {
			c.Bye()
			return
		}
		r.remember(ev.Instance, c)
		if err := c.HandleDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: ev.SDP}); err != nil {
			c.Log.Warn("bad answer", "err", err)
		}
	case signal.TypeCandidate:
		c := r.call(ev.From)
		if c == nil {
			return
		}
		cand, err := ev.ICECandidate()
		if err != nil {
			c.Log.Debug("bad candidate", "err", err)
			return
		}
		if cand == nil {
			c.HandleCandidate(nil)
			return
		}
		c.HandleCandidate(&webrtc.ICECandidateInit{Candidate: cand.Candidate, SDPMid: cand.SDPMid, SDPMLineIndex: cand.SDPMLineIndex, UsernameFragment: cand.UsernameFragment})
	case signal.TypeError:
		r.log.Warn("signaling error", "code", ev.Code, "message", ev.Text, "ref", ev.Ref)
	}
}

// call is the live call with peer id, if any. A call that has ended
// (bye, RTCP BYE on every track, failure) is not found: later signaling
// about it cannot disturb it.
func (r *Room) call(id string) *Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.byPeer[id]
	if c != nil && c.Context().Err() != nil {
		delete(r.byPeer, id)
		return nil
	}
	return c
}

func (r *Room) callsNow() []*Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*Call, 0, len(r.byPeer))
	for _, c := range r.byPeer {
		out = append(out, c)
	}
	return out
}

// newCall makes the call with remote, replacing an older one.
func (r *Room) newCall(remote signal.PeerInfo, offerer bool) (*Call, error) {
	if old := r.call(remote.ID); old != nil {
		old.End(fmt.Errorf("replaced by a new call"))
	}
	ice := ICEServers(r.sig.Welcome().ICEServers)
	c, err := r.calls.New(Remote{ID: remote.ID, Name: remote.Name}, offerer, roomSignaling{r.sig, remote.ID, r.instance}, ice)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.byPeer[remote.ID] = c
	r.mu.Unlock()
	return c, nil
}

func (r *Room) offer(remote signal.PeerInfo) {
	c, err := r.newCall(remote, true)
	if err != nil {
		r.log.Warn("cannot call peer", "peer", remote.ID, "err", err)
		return
	}
	if err := c.Offer(); err != nil {
		c.Log.Warn("offer failed", "err", err)
	}
}

func (r *Room) answer(ev signal.Message) {
	if r.duplicate(ev.Instance, ev.From) {
		if err := r.sig.Bye(ev.From); err != nil {
			r.log.Debug("sending bye", "err", err)
		}
		return
	}
	c := r.call(ev.From)
	if c == nil || c.Offerer || c.PC.SignalingState() != webrtc.SignalingStateStable {
		var err error
		if c, err = r.newCall(r.peerInfo(ev.From), false); err != nil {
			r.log.Warn("cannot answer peer", "peer", ev.From, "err", err)
			return
		}
	}
	r.remember(ev.Instance, c)
	if err := c.HandleDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: ev.SDP}); err != nil {
		c.Log.Warn("answer failed", "err", err)
	}
}

// duplicate reports whether the remote process instance, now peer id, is
// one we are in a call with or have served completely under another id: a
// server restart gives every peer a new id, and starting over would send
// or record a second copy.
func (r *Room) duplicate(instance, id string) bool {
	if instance == "" {
		return false // a peer that does not say (a browser)
	}
	r.mu.Lock()
	prev := r.instances[instance]
	r.mu.Unlock()
	if prev == nil || prev.Remote.ID == id || (prev.Context().Err() != nil && !prev.Complete()) {
		return false
	}
	r.log.Info("peer is a process already in a call with us or served completely; not starting again",
		"peer", id, "earlier_id", prev.Remote.ID, "complete", prev.Complete())
	return true
}

func (r *Room) remember(instance string, c *Call) {
	if instance == "" {
		return
	}
	r.mu.Lock()
	r.instances[instance] = c
	r.mu.Unlock()
}

// peerInfo finds what presence said of id; an offer can come from a peer
// whose presence we have not seen (e.g. a tutorial page).
func (r *Room) peerInfo(id string) signal.PeerInfo {
	for _, p := range r.sig.Welcome().Peers {
		if p.ID == id {
			return p
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if p, ok := r.known[id]; ok {
		return p
	}
	return signal.PeerInfo{ID: id, Role: signal.RolePeer}
}

// roomSignaling is a call's Signaling through the room server.
type roomSignaling struct {
	sig      *signal.Client
	to       string
	instance string
}

func (s roomSignaling) SendDescription(d webrtc.SessionDescription) error {
	typ := signal.TypeAnswer
	if d.Type == webrtc.SDPTypeOffer {
		typ = signal.TypeOffer
	}
	return s.sig.Send(signal.Message{Type: typ, To: s.to, SDP: d.SDP, Instance: s.instance})
}

func (s roomSignaling) SendCandidate(c *webrtc.ICECandidateInit) error {
	if c == nil {
		return s.sig.SendCandidate(s.to, nil)
	}
	return s.sig.SendCandidate(s.to, &signal.Candidate{
		Candidate: c.Candidate, SDPMid: c.SDPMid, SDPMLineIndex: c.SDPMLineIndex, UsernameFragment: c.UsernameFragment,
	})
}

func (s roomSignaling) SendBye() error { return s.sig.Bye(s.to) }
