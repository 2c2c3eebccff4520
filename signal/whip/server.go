package whip

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/webrtc-cli/webrtc-cli/signal"
)

// Backend makes sessions from offers: the WebRTC behind a Server.
type Backend interface {
	// Start makes a session from the client's offer. name is the
	// optional path segment after the endpoint ("" if none). The answer
	// must hold the endpoint's candidates (WHIP and WHEP give the server
	// no way to trickle). An error wrapping ErrBadOffer is a 400 with the
	// error's text; others are 500.
	Start(ctx context.Context, name, offer string) (Session, string, error)
}

// Session is one peer connection a Backend started.
type Session interface {
	// Trickle applies candidates from a PATCH; an error is a 422 with
	// its text.
	Trickle(Frag) error
	// Restart restarts ICE with the client's new ufrag, pwd and
	// candidates, and gives the server's new ones; an error is a 422.
	Restart(Frag) (Frag, error)
	// Close ends the session (a DELETE, or the server closing). It may
	// be called more than once.
	Close()
	// Done is closed when the session ended by itself (ICE failed, the
	// peer vanished); the server then forgets it.
	Done() <-chan struct{}
}

// ServerConfig configures a Server.
type ServerConfig struct {
	Kind Kind
	// Path is the endpoint, like "/whip". Path/NAME is an endpoint too,
	// NAME naming the stream; sessions live at Path/session/ID.
	Path string
	// Bearer, if set, is the token every request but OPTIONS must carry
	// in "Authorization: Bearer TOKEN".
	Bearer      string
	MaxSessions int   // 0: unlimited
	MaxSDP      int64 // bytes of an offer or sdpfrag; 0: 64 KiB
	// ICEServers are announced in Link headers of the 201 (and of an
	// authorized OPTIONS on the endpoint).
	ICEServers []signal.ICEServer
	// TURN, when set, adds a TURN server with credentials of the
	// session's own, valid for TURN.TTL, to those Link headers.
	TURN    *signal.TURNAuth
	Backend Backend
	Logger  *slog.Logger // nil: discard
}

// Server is the HTTP handler of a WHIP or WHEP endpoint and its sessions.
// Header and read timeouts are up to the http.Server that runs it.
type Server struct {
	cfg   ServerConfig
	path  string   // Path without a trailing slash
	links []string // Link header values
	log   *slog.Logger
	token [sha256.Size]byte

	mu       sync.Mutex
	sessions map[string]*entry
	ended    map[string]time.Time // sessions that ended by themselves, not yet DELETEd
	starting int                  // POSTs between the session-limit check and add
	closed   bool
	wg       sync.WaitGroup // the watch goroutines
}

// entry is a live session and what the HTTP layer keeps about it.
type entry struct {
	sess Session
	stop chan struct{} // closed when the server drops the session

	mu    sync.Mutex // serializes PATCHes; guards the fields below
	etag  string     // quoted
	ufrag string     // the client's current ICE ufrag
}

const (
	defaultMaxSDP = 64 << 10
	retryAfter    = "5" // seconds, on 503
	allowEndpoint = "POST, OPTIONS"
	allowSession  = "PATCH, DELETE, OPTIONS"
)

// NewServer returns a Server for cfg; cfg.Backend must be set.
func NewServer(cfg ServerConfig) *Server {
	if cfg.MaxSDP <= 0 {
		cfg.MaxSDP = defaultMaxSDP
	}
	s := &Server{
		cfg:      cfg,
		path:     strings.TrimSuffix(cfg.Path, "/"),
		log:      cfg.Logger,
		token:    sha256.Sum256([]byte(cfg.Bearer)),
		sessions: map[string]*entry{},
		ended:    map[string]time.Time{},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, ice := range cfg.ICEServers {
		for _, u := range ice.URLs {
			s.links = append(s.links, formatLink(u, ice.Username, ice.Credential))
		}
	}
	return s
}

// ServeHTTP routes Path and Path/NAME to the endpoint, Path/session/ID to
// a session, and anything else under Path to a 404.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if o := r.Header.Get("Origin"); o != "" {
		h.Set("Access-Control-Allow-Origin", o)
		h.Add("Vary", "Origin")
	} else {
		h.Set("Access-Control-Allow-Origin", "*")
	}
	name, id, ok := s.route(r.URL.Path)
	allow := allowEndpoint
	if id != "" {
		allow = allowSession
	}
	switch {
	case !ok:
		http.Error(w, "404 page not found", http.StatusNotFound)
	case r.Method == http.MethodOptions:
		s.options(w, r, id == "", allow)
	case !s.authorized(r):
		h.Set("WWW-Authenticate", "Bearer")
		http.Error(w, "missing or wrong bearer token", http.StatusUnauthorized)
	case id == "" && r.Method == http.MethodPost:
		s.post(w, r, name)
	case id != "" && r.Method == http.MethodPatch:
		s.patch(w, r, id)
	case id != "" && r.Method == http.MethodDelete:
		s.delete(w, id)
	default:
		h.Set("Allow", allow)
		http.Error(w, fmt.Sprintf("method %s not allowed; use %s", r.Method, allow), http.StatusMethodNotAllowed)
	}
}

// route splits a request path into the stream name of an endpoint or
// the id of a session.
func (s *Server) route(path string) (name, id string, ok bool) {
	rest, found := strings.CutPrefix(path, s.path)
	if !found || rest != "" && rest[0] != '/' {
		return "", "", false
	}
	parts := strings.Split(strings.TrimPrefix(rest, "/"), "/")
	switch {
	case len(parts) == 1:
		return parts[0], "", true
	case len(parts) == 2 && parts[0] == "session" && parts[1] != "":
		return "", parts[1], true
	}
	return "", "", false
}

// options answers CORS preflights, which carry no token.
func (s *Server) options(w http.ResponseWriter, r *http.Request, endpoint bool, allow string) {
	h := w.Header()
	h.Set("Allow", allow)
	h.Set("Access-Control-Allow-Methods", "POST, PATCH, DELETE, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization, If-Match")
	h.Set("Access-Control-Max-Age", "86400")
	if endpoint {
		h.Set("Accept-Post", typeSDP)
		if s.authorized(r) {
			s.addLinks(h, r, "")
		}
	} else {
		h.Set("Accept-Patch", typeFrag)
	}
	w.WriteHeader(http.StatusNoContent)
}

// addLinks announces the ICE servers to the client of session id ("" on
// the endpoint) that reached us by r.Host.
func (s *Server) addLinks(h http.Header, r *http.Request, id string) {
	for _, l := range s.links {
		h.Add("Link", l)
	}
	if s.cfg.TURN != nil {
		ice := s.cfg.TURN.ICEServer(r.Host, id, time.Now())
		for _, u := range ice.URLs {
			h.Add("Link", formatLink(u, ice.Username, ice.Credential))
		}
	}
	if len(h.Values("Link")) > 0 {
		h.Set("Access-Control-Expose-Headers", "Link")
	}
}

func (s *Server) authorized(r *http.Request) bool {
	if s.cfg.Bearer == "" {
		return true
	}
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return strings.EqualFold(scheme, "Bearer") && subtle.ConstantTimeCompare(sum[:], s.token[:]) == 1
}

// Sessions reports how many sessions are live.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.liveLocked()
}

// Close ends every session and waits for the server's goroutines; later
// POSTs get 503.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	all := s.sessions
	s.sessions = map[string]*entry{}
	s.mu.Unlock()
	for _, e := range all {
		close(e.stop)
		e.sess.Close()
	}
	s.wg.Wait()
}

// reserve takes a session slot for a POST; add or release settles it.
func (s *Server) reserve() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.cfg.MaxSessions > 0 && s.liveLocked()+s.starting >= s.cfg.MaxSessions {
		return false
	}
	s.starting++
	return true
}

// release gives back reserve's slot after a failed start.
func (s *Server) release() {
	s.mu.Lock()
	s.starting--
	s.mu.Unlock()
}

// add puts e in the slot reserve took, with a goroutine that forgets it
// when it ends by itself.
func (s *Server) add(id string, e *entry) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.starting--
	if s.closed {
		return false
	}
	s.sessions[id] = e
	s.wg.Add(1)
	go s.watch(id, e)
	return true
}

func (s *Server) watch(id string, e *entry) {
	defer s.wg.Done()
	select {
	case <-e.sess.Done():
		select {
		case <-e.stop:
			return // DELETE or Close ended it, and closed it
		default:
		}
		s.mu.Lock()
		if s.sessions[id] == e {
			delete(s.sessions, id)
			s.noteEndedLocked(id)
		}
		s.mu.Unlock()
		e.sess.Close()
		s.log.Info(s.cfg.Kind.String()+" session ended", "session", id)
	case <-e.stop:
	}
}

// endedMemory is how long a session that ended by itself is remembered
// as awaiting its client's DELETE (see AwaitingDelete).
const endedMemory = 5 * time.Second

func (s *Server) noteEndedLocked(id string) {
	now := time.Now()
	for old, t := range s.ended {
		if now.Sub(t) > endedMemory {
			delete(s.ended, old)
		}
	}
	s.ended[id] = now
}

// AwaitingDelete reports how many sessions ended by themselves in the last
// few seconds and have not been DELETEd yet: a client ending its side
// (RTCP BYE, then DELETE) is likely to send one. A program about to stop
// can keep serving briefly so the client's DELETE finds it.
func (s *Server) AwaitingDelete() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, t := range s.ended {
		if time.Since(t) <= endedMemory {
			n++
		}
	}
	return n
}

// lookup finds a live session. One whose Done is closed counts as gone
// even before its watch goroutine has removed it.
func (s *Server) lookup(id string) *entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.sessions[id]; e != nil && !isDone(e.sess) {
		return e
	}
	return nil
}

// liveLocked counts the sessions not yet done; s.mu is held.
func (s *Server) liveLocked() int {
	n := 0
	for _, e := range s.sessions {
		if !isDone(e.sess) {
			n++
		}
	}
	return n
}

func isDone(sess Session) bool {
	select {
	case <-sess.Done():
		return true
	default:
		return false
	}
}
