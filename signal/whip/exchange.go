package whip

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// post starts a session from an offer.
func (s *Server) post(w http.ResponseWriter, r *http.Request, name string) {
	if !hasType(r, typeSDP) {
		http.Error(w, "Content-Type must be "+typeSDP, http.StatusUnsupportedMediaType)
		return
	}
	offer, ok := s.body(w, r)
	if !ok {
		return
	}
	if !s.reserve() {
		w.Header().Set("Retry-After", retryAfter)
		http.Error(w, "too many sessions; try again later", http.StatusServiceUnavailable)
		return
	}
	sess, answer, err := s.cfg.Backend.Start(r.Context(), name, string(offer))
	if err != nil {
		s.release()
		if errors.Is(err, ErrBadOffer) {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.log.Warn(s.cfg.Kind.String()+" session failed to start", "stream", name, "err", err)
		http.Error(w, "could not start the session", http.StatusInternalServerError)
		return
	}
	id := rand.Text()
	e := &entry{sess: sess, stop: make(chan struct{}), etag: newETag(), ufrag: offerUfrag(offer)}
	if !s.add(id, e) {
		sess.Close()
		w.Header().Set("Retry-After", retryAfter)
		http.Error(w, "the server is shutting down", http.StatusServiceUnavailable)
		return
	}
	s.log.Info(s.cfg.Kind.String()+" session started", "stream", name, "session", id)
	h := w.Header()
	h.Set("Content-Type", typeSDP)
	h.Set("Location", s.path+"/session/"+id)
	h.Set("ETag", e.etag)
	h.Set("Accept-Patch", typeFrag)
	s.addLinks(h, r, id)
	h.Set("Access-Control-Expose-Headers", "Location, Link, ETag")
	w.WriteHeader(http.StatusCreated)
	io.WriteString(w, answer)
}

// patch trickles candidates into a session or restarts its ICE.
func (s *Server) patch(w http.ResponseWriter, r *http.Request, id string) {
	e := s.lookup(id)
	if e == nil {
		http.Error(w, "no such session", http.StatusNotFound)
		return
	}
	if !hasType(r, typeFrag) {
		http.Error(w, "Content-Type must be "+typeFrag, http.StatusUnsupportedMediaType)
		return
	}
	body, ok := s.body(w, r)
	if !ok {
		return
	}
	frag, err := ParseFrag(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	ifMatch := r.Header.Values("If-Match")
	if len(ifMatch) > 0 && !etagMatches(ifMatch, e.etag) {
		http.Error(w, "If-Match does not match the session's ETag", http.StatusPreconditionFailed)
		return
	}
	ufrag, pwd := frag.Credentials()
	if ufrag == "" || ufrag == e.ufrag {
		if err := e.sess.Trickle(frag); err != nil {
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
			return
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	// A new ufrag: an ICE restart (RFC 9725 §4.4.2).
	switch {
	case len(ifMatch) == 0:
		http.Error(w, "an ICE restart needs If-Match", http.StatusPreconditionRequired)
		return
	case pwd == "":
		http.Error(w, "an ICE restart needs ice-pwd along with ice-ufrag", http.StatusUnprocessableEntity)
		return
	}
	answer, err := e.sess.Restart(frag)
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnprocessableEntity)
		return
	}
	e.etag, e.ufrag = newETag(), ufrag
	h := w.Header()
	h.Set("Content-Type", typeFrag)
	h.Set("ETag", e.etag)
	h.Set("Access-Control-Expose-Headers", "ETag")
	w.WriteHeader(http.StatusOK)
	w.Write(answer.Marshal())
}

// delete ends a session. One that already ended by itself is a 404.
func (s *Server) delete(w http.ResponseWriter, id string) {
	s.mu.Lock()
	e := s.sessions[id]
	delete(s.sessions, id)
	delete(s.ended, id)
	s.mu.Unlock()
	if e == nil {
		http.Error(w, "no such session", http.StatusNotFound)
		return
	}
	close(e.stop)
	gone := isDone(e.sess) // before Close, which ends it
	e.sess.Close()
	if gone {
		http.Error(w, "no such session", http.StatusNotFound)
		return
	}
	s.log.Info(s.cfg.Kind.String()+" session deleted", "session", id)
	w.WriteHeader(http.StatusOK)
}

// body reads a request body of at most MaxSDP bytes, answering 413 or
// 400 itself when it can't.
func (s *Server) body(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxSDP))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		http.Error(w, fmt.Sprintf("body over %d bytes", s.cfg.MaxSDP), http.StatusRequestEntityTooLarge)
	case err != nil:
		http.Error(w, "could not read the body", http.StatusBadRequest)
	case len(bytes.TrimSpace(b)) == 0:
		http.Error(w, "empty body", http.StatusBadRequest)
	default:
		return b, true
	}
	return nil, false
}

func hasType(r *http.Request, want string) bool {
	t, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && t == want
}

func newETag() string { return `"` + rand.Text() + `"` }

// etagMatches applies If-Match (RFC 9110 §13.1.1): "*" or a list of
// entity tags, compared strongly.
func etagMatches(ifMatch []string, etag string) bool {
	for _, v := range ifMatch {
		for t := range strings.SplitSeq(v, ",") {
			if t = strings.TrimSpace(t); t == "*" || t == etag {
				return true
			}
		}
	}
	return false
}

// offerUfrag finds the offer's first a=ice-ufrag, to tell a trickle
// (same ufrag) from an ICE restart (a new one).
func offerUfrag(sdp []byte) string {
	for line := range strings.Lines(string(sdp)) {
		if v, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "a=ice-ufrag:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
