package peer

import (
	"context"
	"log/slog"
	"slices"
	"sync"

	"github.com/pion/webrtc/v4"
)

// Handler is what a program (send, receive) plugs into its Calls.
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

// Calls makes the calls of one program, whatever signaling drives them,
// and waits for all of them on Close.
type Calls struct {
	api     *webrtc.API
	handler Handler
	ice     []webrtc.ICEServer
	policy  webrtc.ICETransportPolicy
	log     *slog.Logger
	wg      sync.WaitGroup // one per live call and per Connected handler

	mu   sync.Mutex
	live map[*Call]struct{}
}

// NewCalls makes calls with api, set up by h; net gives the ICE servers
// and policy of every call.
func NewCalls(api *webrtc.API, h Handler, net NetOptions, log *slog.Logger) *Calls {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cs := &Calls{api: api, handler: h, ice: net.ICEServers, log: log, live: map[*Call]struct{}{}}
	if net.RelayOnly {
		cs.policy = webrtc.ICETransportPolicyRelay
	}
	return cs
}

// New makes the PeerConnection for a call with remote, signaled by sig,
// and lets the handler set it up. extraICE are ICE servers the signaling
// offered for this call.
func (cs *Calls) New(remote Remote, offerer bool, sig Signaling, extraICE []webrtc.ICEServer) (*Call, error) {
	ice := append(slices.Clone(cs.ice), extraICE...)
	pc, err := cs.api.NewPeerConnection(webrtc.Configuration{ICEServers: ice, ICETransportPolicy: cs.policy})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	c := &Call{Remote: remote, PC: pc, Offerer: offerer, calls: cs, sig: sig, ctx: ctx, cancel: cancel,
		Log: cs.log.With("peer", remote.ID, "name", remote.Name)}
	cs.wg.Add(1)
	cs.mu.Lock()
	cs.live[c] = struct{}{}
	cs.mu.Unlock()
	pc.OnICECandidate(c.onCandidate)
	pc.OnConnectionStateChange(c.onState)
	if err := cs.handler.Prepare(c); err != nil {
		c.End(err)
		return nil, err
	}
	return c, nil
}

// Live returns the calls not ended yet.
func (cs *Calls) Live() []*Call {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	out := make([]*Call, 0, len(cs.live))
	for c := range cs.live {
		out = append(out, c)
	}
	return out
}

func (cs *Calls) forget(c *Call) {
	cs.mu.Lock()
	delete(cs.live, c)
	cs.mu.Unlock()
}

// Close ends every call and waits until each is closed and its handlers
// have returned.
func (cs *Calls) Close() {
	for _, c := range cs.Live() {
		c.End(context.Canceled)
	}
	cs.wg.Wait()
}
