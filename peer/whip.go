package peer

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/webrtc-cli/webrtc-cli/signal"
	"github.com/webrtc-cli/webrtc-cli/signal/whip"
)

// hostCandidateWait is how long an offer waits for the candidates that come
// at once (host ones) before it is POSTed: WHIP servers that cannot take
// trickled candidates then still have something to connect to.
const hostCandidateWait = 250 * time.Millisecond

// gatherLimit bounds the wait for every candidate: --no-trickle, and the
// answer of a WHIP/WHEP endpoint, which must hold its candidates.
const gatherLimit = 10 * time.Second

// WHIPClient is one call with a WHIP or WHEP endpoint: the offer goes out by
// HTTP POST, our later candidates by PATCH, and the end by DELETE.
type WHIPClient struct {
	Client *whip.Client
	// NoTrickle waits for every candidate and puts them all in the offer.
	NoTrickle bool
	// Name names the remote peer (a recording's folder).
	Name string
}

// Run makes the call, offering, and returns once it has ended: by the
// handler (Bye), by the remote end (RTCP BYE, DTLS close, ICE failure), or
// because ctx ended, when the session is DELETEd. It returns why the call
// ended, or nil when this side ended it.
func (w WHIPClient) Run(ctx context.Context, calls *Calls) error {
	defer calls.Close()
	sig := &whipClientSignaling{w: w, ctx: ctx, patches: make(chan *webrtc.ICECandidateInit, 64), done: make(chan struct{})}
	c, err := calls.New(Remote{ID: "whip", Name: w.Name}, true, sig, nil)
	if err != nil {
		return err
	}
	sig.call = c
	defer sig.wait()
	if err := c.Offer(); err != nil {
		return err
	}
	select {
	case <-c.Context().Done():
		// The endpoint ended it (RTCP BYE, DTLS close, ICE failure) or
		// the handler did: the session goes either way.
		sig.SendBye()
	case <-ctx.Done():
		c.Bye()
	}
	if cause := context.Cause(c.Context()); !errors.Is(cause, context.Canceled) {
		return cause
	}
	return nil
}

// whipClientSignaling is the Signaling of a WHIP/WHEP client call.
type whipClientSignaling struct {
	w    WHIPClient
	ctx  context.Context
	call *Call

	mu      sync.Mutex
	session *whip.ClientSession
	deleted bool
	// restarting: an ICE restart gathers, and its PATCH carries every
	// candidate.
	restarting bool
	inOffer    map[string]bool // candidates the offer carried
	ufrag      string
	pwd        string
	mid        string // of the first m-line: candidates go there under BUNDLE

	patches chan *webrtc.ICECandidateInit
	looping bool          // the PATCH loop runs
	done    chan struct{} // it has ended
}

func (s *whipClientSignaling) SendDescription(d webrtc.SessionDescription) error {
	pc := s.call.PC
	gathered := webrtc.GatheringCompletePromise(pc)
	wait := hostCandidateWait
	if s.w.NoTrickle {
		wait = gatherLimit
	}
	t := time.NewTimer(wait)
	select {
	case <-gathered:
	case <-t.C:
	case <-s.ctx.Done():
	}
	t.Stop()
	offer := pc.LocalDescription().SDP
	sess, err := s.w.Client.Offer(s.ctx, offer)
	if err != nil {
		return err
	}
	if sess.URL == "" {
		s.call.Log.Info("the endpoint gave no session URL of its own: no trickling (the offer's candidates must do) and no DELETE at the end")
	}
	s.mu.Lock()
	s.session = sess
	s.inOffer = map[string]bool{}
	for _, m := range candidateLine.FindAllStringSubmatch(offer, -1) {
		s.inOffer[m[1]] = true
	}
	s.ufrag, s.pwd, s.mid = sdpValue(offer, "ice-ufrag"), sdpValue(offer, "ice-pwd"), sdpValue(offer, "mid")
	s.mu.Unlock()
	s.mu.Lock()
	s.looping = true
	s.mu.Unlock()
	go s.patchLoop()
	// A bad answer ends the call, with the reason.
	s.call.HandleDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sess.Answer})
	if extra := s.newServers(sess.ICEServers); len(extra) > 0 {
		s.call.calls.wg.Add(1) // the call is live: calls.Close has not begun waiting
		go s.fallBack(extra)
	}
	return nil
}

// linkServerWait is how long a client tries the candidates it has before
// it restarts ICE with the STUN/TURN servers the endpoint announced.
const linkServerWait = 2 * time.Second

// newServers are the endpoint's announced ICE servers we were not given.
func (s *whipClientSignaling) newServers(announced []signal.ICEServer) []webrtc.ICEServer {
	have := map[string]bool{}
	for _, ice := range s.call.PC.GetConfiguration().ICEServers {
		for _, u := range ice.URLs {
			have[u] = true
		}
	}
	var extra []webrtc.ICEServer
	for _, ice := range ICEServers(announced) { // only the URLs pion can take
		s.call.Log.Debug("the endpoint announces an ICE server", "urls", ice.URLs)
		var urls []string
		for _, u := range ice.URLs {
			if !have[u] {
				urls = append(urls, u)
			}
		}
		if len(urls) > 0 {
			extra = append(extra, webrtc.ICEServer{URLs: urls, Username: ice.Username, Credential: ice.Credential})
		}
	}
	return extra
}

// fallBack restarts ICE with the announced servers (RFC 9725 §4.6: they
// come with the answer, too late for the first offer) if the connection
// is not up within linkServerWait with the candidates we had.
func (s *whipClientSignaling) fallBack(extra []webrtc.ICEServer) {
	defer s.call.calls.wg.Done()
	t := time.NewTimer(linkServerWait)
	defer t.Stop()
	select {
	case <-s.call.Context().Done():
		return
	case <-t.C:
	}
	if st := s.call.PC.ICEConnectionState(); st == webrtc.ICEConnectionStateConnected || st == webrtc.ICEConnectionStateCompleted {
		return
	}
	s.call.Log.Info("not connected yet; restarting ICE with the STUN/TURN servers the endpoint announced", "servers", len(extra))
	if err := s.restart(extra); err != nil && s.call.Context().Err() == nil {
		s.call.Log.Warn("restarting ICE with the endpoint's ICE servers failed", "err", err)
	}
}

// restart adds servers to the connection and restarts ICE by PATCH with
// every candidate gathered (RFC 9725 §4.4.2).
func (s *whipClientSignaling) restart(servers []webrtc.ICEServer) (err error) {
	pc := s.call.PC
	// The first attempt may fail while this one gathers and checks.
	s.call.HoldFailure(gatherLimit + 10*time.Second)
	defer func() {
		if err != nil {
			s.call.HoldFailure(0)
		}
	}()
	cfg := pc.GetConfiguration()
	cfg.ICEServers = append(cfg.ICEServers, servers...)
	if err := pc.SetConfiguration(cfg); err != nil {
		return err
	}
	s.mu.Lock()
	s.restarting = true // the restart's PATCH carries every candidate
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.restarting = false
		s.mu.Unlock()
	}()
	offer, err := pc.CreateOffer(&webrtc.OfferOptions{ICERestart: true})
	if err == nil {
		err = pc.SetLocalDescription(offer)
	}
	if err != nil {
		return err
	}
	// Made after the restart's gathering has begun: made before, it may
	// be the first gathering's, long complete.
	gathered := webrtc.GatheringCompletePromise(pc)
	t := time.NewTimer(gatherLimit)
	defer t.Stop()
	select {
	case <-gathered:
	case <-t.C:
	case <-s.call.Context().Done():
		return s.call.Context().Err()
	}
	local := pc.LocalDescription().SDP
	ours := whip.FragMedia{Mid: sdpValue(local, "mid"), EndOfCandidates: true}
	inOffer := map[string]bool{}
	for _, m := range candidateLine.FindAllStringSubmatch(local, -1) {
		ours.Candidates = append(ours.Candidates, m[1])
		inOffer[m[1]] = true
	}
	ufrag, pwd := sdpValue(local, "ice-ufrag"), sdpValue(local, "ice-pwd")
	s.mu.Lock()
	sess := s.session
	s.ufrag, s.pwd, s.inOffer = ufrag, pwd, inOffer
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(s.call.Context(), 10*time.Second)
	defer cancel()
	theirs, err := sess.Restart(ctx, whip.Frag{Ufrag: ufrag, Pwd: pwd, Media: []whip.FragMedia{ours}})
	if err != nil {
		return err
	}
	rufrag, rpwd := theirs.Credentials()
	answer := pc.RemoteDescription().SDP
	answer = replaceAttr(replaceAttr(answer, "ice-ufrag", rufrag), "ice-pwd", rpwd)
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		return err
	}
	// Checks with the new candidates: a failure from here on is theirs.
	s.call.HoldFailure(linkServerWait + 5*time.Second)
	for _, m := range theirs.Media {
		mid := m.Mid
		for _, c := range m.Candidates {
			if err := pc.AddICECandidate(webrtc.ICECandidateInit{Candidate: c, SDPMid: &mid}); err != nil {
				s.call.Log.Debug("the endpoint's candidate after the restart", "candidate", c, "err", err)
			}
		}
	}
	return nil
}

// SendCandidate queues a candidate for the PATCH loop, which sends what has
// gathered in one request: a slow endpoint must not hold up gathering.
func (s *whipClientSignaling) SendCandidate(c *webrtc.ICECandidateInit) error {
	s.mu.Lock()
	restarting := s.restarting
	s.mu.Unlock()
	if s.w.NoTrickle || restarting {
		return nil
	}
	select {
	case s.patches <- c:
	default: // a stuck endpoint: the candidate is dropped
	}
	return nil
}

// SendBye ends the session: DELETE.
func (s *whipClientSignaling) SendBye() error {
	s.mu.Lock()
	sess, deleted := s.session, s.deleted
	s.deleted = true
	s.mu.Unlock()
	if sess == nil || deleted {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), 5*time.Second)
	defer cancel()
	err := sess.Delete(ctx)
	var he *whip.HTTPError
	switch {
	case err == nil:
		s.call.Log.Debug("session deleted")
	case errors.Is(err, whip.ErrNoSession), errors.As(err, &he) && he.Status == http.StatusNotFound:
		s.call.Log.Debug("the endpoint had already ended the session")
	default:
		s.call.Log.Warn("ending the session (DELETE) failed", "err", err)
		return err
	}
	return nil
}

func (s *whipClientSignaling) patchLoop() {
	defer close(s.done)
	for {
		var batch []*webrtc.ICECandidateInit
		select {
		case c := <-s.patches:
			batch = append(batch, c)
		case <-s.call.Context().Done():
			return
		}
	more:
		for {
			select {
			case c := <-s.patches:
				batch = append(batch, c)
			default:
				break more
			}
		}
		frag, ok := s.frag(batch)
		if !ok {
			continue
		}
		ctx, cancel := context.WithTimeout(s.call.Context(), 5*time.Second)
		err := s.session.Trickle(ctx, frag)
		cancel()
		switch {
		case errors.Is(err, whip.ErrTrickleUnsupported), errors.Is(err, whip.ErrNoSession):
			s.call.Log.Debug("the endpoint takes no trickled candidates; relying on those in the offer")
			return
		case err != nil && s.call.Context().Err() == nil:
			s.call.Log.Warn("trickling candidates (PATCH) failed", "err", err)
		}
	}
}

// frag makes the sdpfrag of a batch, leaving out what the offer carried.
func (s *whipClientSignaling) frag(batch []*webrtc.ICECandidateInit) (whip.Frag, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := whip.FragMedia{Mid: s.mid}
	for _, c := range batch {
		if c == nil {
			m.EndOfCandidates = true
			continue
		}
		line := strings.TrimPrefix(c.Candidate, "a=")
		if !strings.HasPrefix(line, "candidate:") {
			line = "candidate:" + line
		}
		if s.inOffer[line] {
			continue
		}
		m.Candidates = append(m.Candidates, line)
	}
	if len(m.Candidates) == 0 && !m.EndOfCandidates {
		return whip.Frag{}, false
	}
	return whip.Frag{Ufrag: s.ufrag, Pwd: s.pwd, Media: []whip.FragMedia{m}}, true
}

func (s *whipClientSignaling) wait() {
	s.mu.Lock()
	looping := s.looping
	s.mu.Unlock()
	if looping {
		<-s.done
	}
}

var candidateLine = regexp.MustCompile(`(?m)^a=(candidate:[^\r\n]+)`)

// sdpValue is the value of the first a=key: attribute of sdp, or "".
func sdpValue(sdp, key string) string {
	i := strings.Index(sdp, "a="+key+":")
	if i < 0 {
		return ""
	}
	v := sdp[i+len(key)+3:]
	if j := strings.IndexAny(v, "\r\n"); j >= 0 {
		v = v[:j]
	}
	return strings.TrimSpace(v)
}

// WHIPBackend answers the offers a WHIP or WHEP endpoint receives with
// calls of calls: each POST is a call, answered with every candidate.
type WHIPBackend struct {
	Calls *Calls
	// ConnectTimeout ends a session whose connection is not up in time
	// (default 30 s).
	ConnectTimeout time.Duration
}

// Start answers offer with a new call named name.
func (b WHIPBackend) Start(ctx context.Context, name, offer string) (whip.Session, string, error) {
	if !strings.Contains(offer, "\nm=") {
		return nil, "", fmt.Errorf("%w: the offer has no media line (m=)", whip.ErrBadOffer)
	}
	offer, grouped, err := bundled(offer)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", whip.ErrBadOffer, err)
	}
	sig := &whipServerSignaling{}
	id := newSessionID()
	if name == "" {
		name = "whip-" + id[:8]
	}
	c, err := b.Calls.New(Remote{ID: id, Name: name}, false, sig, nil)
	if err != nil {
		return nil, "", err
	}
	gathered := webrtc.GatheringCompletePromise(c.PC)
	if err := c.HandleDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		c.End(err)
		return nil, "", fmt.Errorf("%w: %v", whip.ErrBadOffer, unusableOffer(err))
	}
	if err := usable(c.PC); err != nil {
		c.End(err)
		return nil, "", fmt.Errorf("%w: %v", whip.ErrBadOffer, err)
	}
	t := time.NewTimer(gatherLimit)
	defer t.Stop()
	select {
	case <-gathered:
	case <-t.C:
	case <-ctx.Done():
		c.End(ctx.Err())
		return nil, "", ctx.Err()
	}
	timeout := b.ConnectTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	go func() {
		t := time.NewTimer(timeout)
		defer t.Stop()
		select {
		case <-t.C:
			if c.PC.ConnectionState() != webrtc.PeerConnectionStateConnected {
				c.End(fmt.Errorf("%w: not connected within %v", ErrFailed, timeout))
			}
		case <-c.Context().Done():
		}
	}()
	answer := c.PC.LocalDescription().SDP
	if grouped {
		answer = bundleLine.ReplaceAllLiteralString(answer, "")
	}
	return whipSession{c}, answer, nil
}

var (
	bundleLine = regexp.MustCompile(`(?m)^a=group:BUNDLE[^\r\n]*\r?\n`)
	mediaLine  = regexp.MustCompile(`(?m)^m=[a-z]+ (\d+) `)
)

// bundled makes an offer pion can answer: pion takes only bundled media,
// and GStreamer's webrtcbin offers a lone m-line without a BUNDLE group.
// One m-line is put in a group of its own (the same transport either
// way; grouped says so, and the answer's group line must go); several
// without BUNDLE are refused, as RFC 9725 has clients use it.
func bundled(offer string) (_ string, grouped bool, err error) {
	if strings.Contains(offer, "\na=group:BUNDLE") {
		return offer, false, nil
	}
	if n := len(mediaLine.FindAllString(offer, -1)); n > 1 {
		return "", false, fmt.Errorf("the offer has %d media lines and no BUNDLE group; WHIP clients bundle their media (RFC 9725 §4.2, RFC 9143)", n)
	}
	mid := sdpValue(offer, "mid")
	if mid == "" {
		return "", false, errors.New("the offer's media line has no a=mid")
	}
	i := strings.Index(offer, "\nm=") + 1
	eol := "\n"
	if strings.Contains(offer, "\r\n") {
		eol = "\r\n"
	}
	return offer[:i] + "a=group:BUNDLE " + mid + eol + offer[i:], true, nil
}

// unusableOffer says what pion refused in an offer, in a person's words
// where it can.
func unusableOffer(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "codec"):
		return "no codec we speak in the offer (" + msg + ")"
	}
	return msg
}

// usable checks that the answer sends or receives something: an offer
// whose codecs all went unmatched leaves every transceiver inactive.
func usable(pc *webrtc.PeerConnection) error {
	if local := pc.LocalDescription(); local != nil {
		taken := false
		for _, m := range mediaLine.FindAllStringSubmatch(local.SDP, -1) {
			taken = taken || m[1] != "0"
		}
		if !taken {
			return errors.New("we could take none of the offer's media lines (no codec we speak, or media we cannot bundle)")
		}
	}
	for _, t := range pc.GetTransceivers() {
		if t.Direction() != webrtc.RTPTransceiverDirectionInactive && t.Mid() != "" {
			if t.Sender() != nil && t.Sender().Track() != nil {
				return nil
			}
			if t.Direction() == webrtc.RTPTransceiverDirectionRecvonly || t.Direction() == webrtc.RTPTransceiverDirectionSendrecv {
				return nil
			}
		}
	}
	return errors.New("no codec we speak in the offer")
}

// whipServerSignaling is an endpoint call's Signaling: the answer and its
// candidates go back in the POST's response, and there is no way to
// reach the client after that.
type whipServerSignaling struct{}

func (whipServerSignaling) SendDescription(webrtc.SessionDescription) error { return nil }
func (whipServerSignaling) SendCandidate(*webrtc.ICECandidateInit) error    { return nil }
func (whipServerSignaling) SendBye() error                                  { return nil }

// whipSession is an endpoint's session: one call.
type whipSession struct{ c *Call }

func (s whipSession) Trickle(f whip.Frag) error {
	for _, m := range f.Media {
		mid := m.Mid
		for _, cand := range m.Candidates {
			s.c.HandleCandidate(&webrtc.ICECandidateInit{Candidate: cand, SDPMid: &mid})
		}
	}
	return nil
}

// Restart restarts ICE with the client's new credentials: the remote
// description is the last one with them, and the answer's new
// credentials and candidates go back.
func (s whipSession) Restart(f whip.Frag) (whip.Frag, error) {
	remote := s.c.PC.RemoteDescription()
	if remote == nil {
		return whip.Frag{}, errors.New("no session to restart")
	}
	ufrag, pwd := f.Ufrag, f.Pwd
	if ufrag == "" && len(f.Media) > 0 {
		ufrag, pwd = f.Media[0].Ufrag, f.Media[0].Pwd
	}
	sdp := replaceAttr(replaceAttr(remote.SDP, "ice-ufrag", ufrag), "ice-pwd", pwd)
	gathered := webrtc.GatheringCompletePromise(s.c.PC)
	if err := s.c.PC.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}); err != nil {
		return whip.Frag{}, fmt.Errorf("restarting ICE: %w", err)
	}
	answer, err := s.c.PC.CreateAnswer(nil)
	if err == nil {
		err = s.c.PC.SetLocalDescription(answer)
	}
	if err != nil {
		return whip.Frag{}, fmt.Errorf("restarting ICE: %w", err)
	}
	if err := s.Trickle(f); err != nil {
		return whip.Frag{}, err
	}
	t := time.NewTimer(gatherLimit)
	defer t.Stop()
	select {
	case <-gathered:
	case <-t.C:
	}
	local := s.c.PC.LocalDescription().SDP
	out := whip.FragMedia{Mid: sdpValue(local, "mid"), EndOfCandidates: true}
	for _, m := range candidateLine.FindAllStringSubmatch(local, -1) {
		out.Candidates = append(out.Candidates, m[1])
	}
	return whip.Frag{Ufrag: sdpValue(local, "ice-ufrag"), Pwd: sdpValue(local, "ice-pwd"), Media: []whip.FragMedia{out}}, nil
}

// Close is the client's DELETE: the remote peer's bye.
func (s whipSession) Close()                { s.c.HandleBye() }
func (s whipSession) Done() <-chan struct{} { return s.c.Context().Done() }

// replaceAttr sets every a=key: line of sdp to value.
func replaceAttr(sdp, key, value string) string {
	re := regexp.MustCompile(`(?m)^a=` + regexp.QuoteMeta(key) + `:[^\r\n]*`)
	return re.ReplaceAllLiteralString(sdp, "a="+key+":"+value)
}

// newSessionID is a random id for an endpoint's call.
func newSessionID() string { return strings.ToLower(rand.Text()) }
