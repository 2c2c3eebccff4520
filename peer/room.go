package peer

import (
	"context"
	"fmt"
	"log/slog"
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

	mu     sync.Mutex
	byPeer map[string]*Call
	known  map[string]signal.PeerInfo // presence seen since the welcome
}

// NewRoom drives calls for the room sig has joined as role.
func NewRoom(sig *signal.Client, role signal.Role, calls *Calls, log *slog.Logger) *Room {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Room{sig: sig, role: role, calls: calls, log: log, byPeer: map[string]*Call{}, known: map[string]signal.PeerInfo{}}
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
			// A new session: the room saw us leave and will see us come
			// back with a new id. Calls of the old session are over
			// (those already finished by RTCP BYE stay as they ended).
			r.log.Warn("signaling session was not resumed; starting over", "id", ev.ID)
			for _, c := range r.callsNow() {
				c.End(ErrSessionLost)
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
	var ice []webrtc.ICEServer
	for _, s := range r.sig.Welcome().ICEServers {
		ice = append(ice, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
	}
	c, err := r.calls.New(Remote{ID: remote.ID, Name: remote.Name}, offerer, roomSignaling{r.sig, remote.ID}, ice)
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
	c := r.call(ev.From)
	if c == nil || c.Offerer || c.PC.SignalingState() != webrtc.SignalingStateStable {
		var err error
		if c, err = r.newCall(r.peerInfo(ev.From), false); err != nil {
			r.log.Warn("cannot answer peer", "peer", ev.From, "err", err)
			return
		}
	}
	if err := c.HandleDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: ev.SDP}); err != nil {
		c.Log.Warn("answer failed", "err", err)
	}
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
	sig *signal.Client
	to  string
}

func (s roomSignaling) SendDescription(d webrtc.SessionDescription) error {
	if d.Type == webrtc.SDPTypeOffer {
		return s.sig.Offer(s.to, d.SDP)
	}
	return s.sig.Answer(s.to, d.SDP)
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
