package whip

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	testOffer  = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=ice-ufrag:cli1\r\na=ice-pwd:clipwd1clipwd1clipwd1\r\n"
	testAnswer = "v=0\r\no=- 2 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=ice-ufrag:srv1\r\na=ice-pwd:srvpwd1srvpwd1srvpwd1\r\n"
)

// restartAnswer is what every fakeSession answers an ICE restart with.
var restartAnswer = Frag{Ufrag: "srv2", Pwd: "srvpwd2srvpwd2srvpwd2", Media: []FragMedia{{
	Mid: "0", Candidates: []string{"candidate:1 1 udp 2130706431 192.0.2.9 5000 typ host"},
}}}

// fakeBackend answers offers that start with "v=0" with testAnswer.
type fakeBackend struct {
	err error // Start fails with it, if set

	mu       sync.Mutex
	sessions []*fakeSession
}

func (b *fakeBackend) Start(_ context.Context, name, offer string) (Session, string, error) {
	if b.err != nil {
		return nil, "", b.err
	}
	if !strings.HasPrefix(offer, "v=0") {
		return nil, "", fmt.Errorf("%w: not an SDP offer", ErrBadOffer)
	}
	s := &fakeSession{name: name, done: make(chan struct{})}
	b.mu.Lock()
	b.sessions = append(b.sessions, s)
	b.mu.Unlock()
	return s, testAnswer, nil
}

func (b *fakeBackend) last() *fakeSession {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sessions[len(b.sessions)-1]
}

// fakeSession records what it is asked; a candidate "candidate:bad"
// cannot be applied.
type fakeSession struct {
	name string
	done chan struct{}
	end  sync.Once

	mu       sync.Mutex
	closed   int
	trickled []Frag
	restarts []Frag
}

func (s *fakeSession) Trickle(f Frag) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range f.Media {
		for _, c := range m.Candidates {
			if c == "candidate:bad" {
				return errors.New("cannot apply candidate:bad")
			}
		}
	}
	s.trickled = append(s.trickled, f)
	return nil
}

func (s *fakeSession) Restart(f Frag) (Frag, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.restarts = append(s.restarts, f)
	return restartAnswer, nil
}

// Close ends the session at once, as the real backend's does.
func (s *fakeSession) Close() {
	s.mu.Lock()
	s.closed++
	s.mu.Unlock()
	s.fail()
}

func (s *fakeSession) Done() <-chan struct{} { return s.done }

// fail ends the session by itself, as a failed ICE would.
func (s *fakeSession) fail() { s.end.Do(func() { close(s.done) }) }

func (s *fakeSession) counts() (closed, trickled, restarts int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed, len(s.trickled), len(s.restarts)
}

// newTestServer runs a Server for cfg (on a fakeBackend unless
// cfg.Backend is set) behind a loopback HTTP server at /whip.
func newTestServer(t testing.TB, cfg ServerConfig) (*Server, *httptest.Server, *fakeBackend) {
	t.Helper()
	fb := &fakeBackend{}
	if cfg.Backend == nil {
		cfg.Backend = fb
	}
	if cfg.Path == "" {
		cfg.Path = "/whip"
	}
	srv := NewServer(cfg)
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Close()
		srv.Close()
	})
	return srv, ts, fb
}

// request sends one request to ts; headers are "Name: value" strings.
func request(t testing.TB, ts *httptest.Server, method, path, body string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Add(k, v)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// create POSTs testOffer and returns the session's path and ETag.
func create(t testing.TB, ts *httptest.Server, headers ...string) (string, string) {
	t.Helper()
	resp, body := request(t, ts, "POST", "/whip", testOffer, append(headers, "Content-Type: application/sdp")...)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST: %s %q", resp.Status, body)
	}
	return resp.Header.Get("Location"), resp.Header.Get("ETag")
}

// serve runs one request through h in process.
func serve(h http.Handler, method, path, body string, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Add(k, v)
	}
	return serveRequest(h, req)
}

func serveRequest(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
