package peer

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"github.com/pion/webrtc/v4"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// Handler is what send and receive plug into a Manager.
type Handler interface {
	// Prepare sets up a new call before any SDP is made: tracks to send,
	// OnTrack for what arrives. An error refuses the call.
	Prepare(c *Call) error
	// Connected runs once the call is connected (ICE and DTLS done, so
	// SRTP writes are not dropped), on a goroutine of its own; it may run
	// for the length of the call and should return when c.Context() ends.
	Connected(c *Call)
	// Ended is called once when the call is over, with the cause.
	Ended(c *Call, cause error)
}

// Manager keeps one Call per remote peer of the room, following the
// signaling events of a client.
type Manager struct {
	sig     *signal.Client
	api     *webrtc.API
	handler Handler
	role    signal.Role
	ice     []webrtc.ICEServer
	log     *slog.Logger
	wg      sync.WaitGroup // one per live call and per Connected handler

	mu    sync.Mutex
	calls map[string]*Call
	known map[string]signal.PeerInfo // presence seen since the welcome
}

// NewManager makes a manager for the client's room; Run drives it.
func NewManager(sig *signal.Client, api *webrtc.API, h Handler, role signal.Role, ice []webrtc.ICEServer, log *slog.Logger) *Manager {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Manager{sig: sig, api: api, handler: h, role: role, ice: ice, log: log, calls: map[string]*Call{}, known: map[string]signal.PeerInfo{}}
}

// Calls returns the live calls.
func (m *Manager) Calls() []*Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*Call, 0, len(m.calls))
	for _, c := range m.calls {
		out = append(out, c)
	}
	return out
}

// Run handles signaling events until ctx is done or the client gives up,
// then ends every call and waits for them.
func (m *Manager) Run(ctx context.Context) error {
	defer m.closeAll()
	m.welcome(m.sig.Welcome())
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-m.sig.Events():
			if !ok {
				if err := m.sig.Err(); err != nil {
					return fmt.Errorf("%w: %v", ErrSessionLost, err)
				}
				return nil
			}
			m.handle(ev)
		}
	}
}

func (m *Manager) closeAll() {
	for _, c := range m.Calls() {
		c.end(context.Canceled)
	}
	m.wg.Wait()
}

func (m *Manager) welcome(w signal.Message) {
	for _, p := range w.Peers {
		if signal.Offers(m.role, p.Role, true) {
			m.offer(p)
		}
	}
}

func (m *Manager) handle(ev signal.Message) {
	switch ev.Type {
	case signal.TypeWelcome:
		if !ev.Resumed {
			// A new session: the room saw us leave and will see us come
			// back with a new id. Calls of the old session are over.
			m.log.Warn("signaling session was not resumed; starting over", "id", ev.ID)
			for _, c := range m.Calls() {
				c.end(ErrSessionLost)
			}
			m.welcome(ev)
		}
	case signal.TypePeerJoined:
		if ev.Peer == nil {
			return
		}
		m.mu.Lock()
		m.known[ev.Peer.ID] = *ev.Peer
		m.mu.Unlock()
		if signal.Offers(m.role, ev.Peer.Role, false) {
			m.offer(*ev.Peer)
		}
	case signal.TypePeerLeft:
		m.mu.Lock()
		delete(m.known, ev.ID)
		m.mu.Unlock()
		if c := m.call(ev.ID); c != nil {
			c.end(ErrRemoteLeft)
		}
	case signal.TypeBye:
		if c := m.call(ev.From); c != nil {
			c.end(ErrRemoteBye)
		}
	case signal.TypeOffer:
		m.answer(ev)
	case signal.TypeAnswer:
		c := m.call(ev.From)
		if c == nil || !c.Offerer {
			m.log.Warn("ignoring an answer to no offer", "from", ev.From)
			return
		}
		if err := c.setRemote(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: ev.SDP}); err != nil {
			c.Log.Warn("bad answer", "err", err)
			c.end(fmt.Errorf("applying the answer: %w", err))
		}
	case signal.TypeCandidate:
		c := m.call(ev.From)
		if c == nil {
			return
		}
		cand, err := ev.ICECandidate()
		if err != nil || cand == nil {
			return // end-of-candidates needs no action: pion gathers no more checks from it
		}
		c.addCandidate(webrtc.ICECandidateInit{Candidate: cand.Candidate, SDPMid: cand.SDPMid, SDPMLineIndex: cand.SDPMLineIndex, UsernameFragment: cand.UsernameFragment})
	case signal.TypeError:
		m.log.Warn("signaling error", "code", ev.Code, "message", ev.Text, "ref", ev.Ref)
	}
}

func (m *Manager) call(id string) *Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls[id]
}

func (m *Manager) forget(c *Call) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.calls[c.Remote.ID] == c {
		delete(m.calls, c.Remote.ID)
	}
}

// newCall makes the PeerConnection for remote and lets the handler set it
// up.
func (m *Manager) newCall(remote signal.PeerInfo, offerer bool) (*Call, error) {
	if old := m.call(remote.ID); old != nil {
		old.end(fmt.Errorf("replaced by a new call"))
	}
	ice := slices.Clone(m.ice)
	for _, s := range m.sig.Welcome().ICEServers {
		ice = append(ice, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
	}
	pc, err := m.api.NewPeerConnection(webrtc.Configuration{ICEServers: ice})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	c := &Call{Remote: remote, PC: pc, Offerer: offerer, m: m, ctx: ctx, cancel: cancel,
		Log: m.log.With("peer", remote.ID, "name", remote.Name)}
	m.wg.Add(1)
	m.mu.Lock()
	m.calls[remote.ID] = c
	m.mu.Unlock()
	pc.OnICECandidate(c.onCandidate)
	pc.OnConnectionStateChange(c.onState)
	if err := m.handler.Prepare(c); err != nil {
		c.end(err)
		return nil, err
	}
	return c, nil
}

func (m *Manager) offer(remote signal.PeerInfo) {
	c, err := m.newCall(remote, true)
	if err != nil {
		m.log.Warn("cannot call peer", "peer", remote.ID, "err", err)
		return
	}
	offer, err := c.PC.CreateOffer(nil)
	if err == nil {
		err = c.PC.SetLocalDescription(offer)
	}
	if err != nil {
		c.end(fmt.Errorf("making the offer: %w", err))
		return
	}
	c.Log.Debug("offering")
	m.sig.Offer(remote.ID, offer.SDP)
}

func (m *Manager) answer(ev signal.Message) {
	c := m.call(ev.From)
	if c == nil || c.Offerer || c.PC.SignalingState() != webrtc.SignalingStateStable {
		var err error
		if c, err = m.newCall(m.peerInfo(ev.From), false); err != nil {
			m.log.Warn("cannot answer peer", "peer", ev.From, "err", err)
			return
		}
	}
	err := c.setRemote(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: ev.SDP})
	var answer webrtc.SessionDescription
	if err == nil {
		answer, err = c.PC.CreateAnswer(nil)
	}
	if err == nil {
		err = c.PC.SetLocalDescription(answer)
	}
	if err != nil {
		c.end(fmt.Errorf("answering the offer: %w", err))
		return
	}
	c.Log.Debug("answering")
	m.sig.Answer(ev.From, answer.SDP)
}

// peerInfo finds what presence said of id; an offer can come from a peer
// whose presence we have not seen (e.g. a tutorial page).
func (m *Manager) peerInfo(id string) signal.PeerInfo {
	for _, p := range m.sig.Welcome().Peers {
		if p.ID == id {
			return p
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if p, ok := m.known[id]; ok {
		return p
	}
	return signal.PeerInfo{ID: id, Role: signal.RolePeer}
}
