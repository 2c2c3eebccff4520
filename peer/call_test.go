package peer

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/webrtc-cli/webrtc-cli/media"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// pipe is the simplest signaling there is: a function call to the other
// side. It shows what any new signaling has to do: implement Signaling
// and hand what arrives to the Call's Handle methods.
type pipe struct {
	mu    sync.Mutex
	other *Call
}

func (p *pipe) peer() *Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.other
}

func (p *pipe) SendDescription(d webrtc.SessionDescription) error {
	go p.peer().HandleDescription(d)
	return nil
}

func (p *pipe) SendCandidate(c *webrtc.ICECandidateInit) error {
	p.peer().HandleCandidate(c)
	return nil
}

func (p *pipe) SendBye() error {
	p.peer().HandleBye()
	return nil
}

// recorder is a Handler that notes what happens to calls.
type recorder struct {
	offer     bool
	connected chan *Call
	ended     chan error
}

func newRecorder(offer bool) *recorder {
	return &recorder{offer: offer, connected: make(chan *Call, 1), ended: make(chan error, 1)}
}

func (r *recorder) Prepare(c *Call) error {
	if !r.offer {
		return nil
	}
	codec, err := Codec(media.VP8, 0)
	if err != nil {
		return err
	}
	track, err := webrtc.NewTrackLocalStaticRTP(codec.RTPCodecCapability, "video", "test")
	if err != nil {
		return err
	}
	_, err = c.PC.AddTrack(track)
	return err
}

func (r *recorder) Connected(c *Call)          { r.connected <- c }
func (r *recorder) Ended(c *Call, cause error) { r.ended <- cause }

func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(30 * time.Second):
		t.Fatalf("no %s within 30 s", what)
	}
	var zero T
	return zero
}

// Two calls in one process, signaled through a pipe, connect; a bye on
// one side ends both, the other with ErrRemoteBye.
func TestCallsOverAnySignaling(t *testing.T) {
	api, err := NewAPI(NetOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ha, hb := newRecorder(true), newRecorder(false)
	callsA, callsB := NewCalls(api, ha, NetOptions{}, nil), NewCalls(api, hb, NetOptions{}, nil)
	defer callsA.Close()
	defer callsB.Close()
	pa, pb := &pipe{}, &pipe{}
	a, err := callsA.New(Remote{ID: "b"}, true, pa, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := callsB.New(Remote{ID: "a"}, false, pb, nil)
	if err != nil {
		t.Fatal(err)
	}
	pa.mu.Lock()
	pa.other = b
	pa.mu.Unlock()
	pb.mu.Lock()
	pb.other = a
	pb.mu.Unlock()
	if err := a.Offer(); err != nil {
		t.Fatal(err)
	}
	if c := wait(t, ha.connected, "connection on the offerer"); c != a {
		t.Fatal("the wrong call connected")
	}
	wait(t, hb.connected, "connection on the answerer")

	a.Bye()
	if cause := wait(t, ha.ended, "end of the offerer's call"); !errors.Is(cause, context.Canceled) {
		t.Fatalf("offerer ended with %v", cause)
	}
	if cause := wait(t, hb.ended, "end of the answerer's call"); !errors.Is(cause, ErrRemoteBye) {
		t.Fatalf("answerer ended with %v, want ErrRemoteBye", cause)
	}
	if context.Cause(b.Context()) != ErrRemoteBye {
		t.Fatalf("answerer's context: %v", context.Cause(b.Context()))
	}
	// A bye that comes again (signaling that returns later) changes nothing.
	b.HandleBye()
	if cause := context.Cause(b.Context()); !errors.Is(cause, ErrRemoteBye) {
		t.Fatalf("a second bye changed the cause to %v", cause)
	}
}

// A bad remote description ends the call with the reason.
func TestCallBadDescription(t *testing.T) {
	api, err := NewAPI(NetOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := newRecorder(false)
	calls := NewCalls(api, h, NetOptions{}, nil)
	defer calls.Close()
	c, err := calls.New(Remote{ID: "x"}, false, &pipe{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.HandleDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: "not sdp"}); err == nil {
		t.Fatal("a bad offer was accepted")
	}
	if cause := wait(t, h.ended, "end of the call"); cause == nil || errors.Is(cause, context.Canceled) {
		t.Fatalf("ended with %v, want the SDP error", cause)
	}
}

// orderSignaling records what a call sends, and holds the description back
// until ICE gathering is over, so that every candidate exists before it.
type orderSignaling struct {
	pc   func() *webrtc.PeerConnection
	mu   sync.Mutex
	sent []string
}

func (o *orderSignaling) note(what string) {
	o.mu.Lock()
	o.sent = append(o.sent, what)
	o.mu.Unlock()
}

func (o *orderSignaling) SendDescription(d webrtc.SessionDescription) error {
	select {
	case <-webrtc.GatheringCompletePromise(o.pc()):
	case <-time.After(10 * time.Second):
		return errors.New("gathering did not complete")
	}
	o.note("description")
	return nil
}

func (o *orderSignaling) SendCandidate(c *webrtc.ICECandidateInit) error {
	if c == nil {
		o.note("end-of-candidates")
	} else {
		o.note("candidate")
	}
	return nil
}

func (o *orderSignaling) SendBye() error { return nil }

// Candidates never go out before the description they belong to: a peer
// that gets one first (Chromium's page did, one run in twenty) drops it.
func TestCandidatesFollowTheDescription(t *testing.T) {
	api, err := NewAPI(NetOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	calls := NewCalls(api, newRecorder(true), NetOptions{}, nil)
	defer calls.Close()
	var c *Call
	sig := &orderSignaling{pc: func() *webrtc.PeerConnection { return c.PC }}
	if c, err = calls.New(Remote{ID: "x"}, true, sig, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Offer(); err != nil {
		t.Fatal(err)
	}
	sig.mu.Lock()
	defer sig.mu.Unlock()
	if len(sig.sent) < 3 || sig.sent[0] != "description" || sig.sent[len(sig.sent)-1] != "end-of-candidates" {
		t.Fatalf("sent %v, want the description, candidates, end-of-candidates", sig.sent)
	}
}
