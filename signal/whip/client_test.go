package whip

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/webrtc-cli/webrtc-cli/signal"
)

func mustFrag(t *testing.T, s string) Frag {
	t.Helper()
	f, err := ParseFrag([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestClientRoundTrip(t *testing.T) {
	srv, ts, fb := newTestServer(t, ServerConfig{Bearer: "tok", ICEServers: testICE})
	ctx := t.Context()
	c := &Client{Endpoint: ts.URL + "/whip", Bearer: "tok", HTTP: ts.Client()}
	s, err := c.Offer(ctx, testOffer)
	if err != nil {
		t.Fatal(err)
	}
	if s.Answer != testAnswer || !strings.HasPrefix(s.URL, ts.URL+"/whip/session/") || s.ETag == "" {
		t.Fatalf("session %+v", s)
	}
	wantICE := []signal.ICEServer{
		{URLs: []string{"stun:stun.example.net"}},
		{URLs: []string{"turn:turn.example.net?transport=udp"}, Username: "user", Credential: `pa"ss`},
		{URLs: []string{"turns:turn.example.net"}, Username: "user", Credential: `pa"ss`},
	}
	if !reflect.DeepEqual(s.ICEServers, wantICE) {
		t.Errorf("ICEServers %+v", s.ICEServers)
	}
	if err := s.Trickle(ctx, mustFrag(t, trickle)); err != nil {
		t.Fatal("Trickle:", err)
	}
	etag := s.ETag
	answer, err := s.Restart(ctx, mustFrag(t, restart))
	if err != nil || !reflect.DeepEqual(answer, restartAnswer) {
		t.Fatalf("Restart: %+v, %v", answer, err)
	}
	if s.ETag == etag {
		t.Error("ETag unchanged by the restart")
	}
	if err := s.Trickle(ctx, mustFrag(t, restart)); err != nil { // If-Match: the new ETag
		t.Fatal("Trickle after the restart:", err)
	}
	if _, trickled, restarts := fb.last().counts(); trickled != 2 || restarts != 1 {
		t.Errorf("trickled %d, restarted %d", trickled, restarts)
	}
	if err := s.Delete(ctx); err != nil {
		t.Fatal("Delete:", err)
	}
	if n := srv.Sessions(); n != 0 {
		t.Errorf("Sessions() = %d after Delete", n)
	}
	var he *HTTPError
	if err := s.Delete(ctx); !errors.As(err, &he) || he.Status != 404 || he.Op != "delete" {
		t.Errorf("second Delete: %v", err)
	}
}

func TestClientRedirect(t *testing.T) {
	for _, code := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			fb := &fakeBackend{}
			srv := NewServer(ServerConfig{Path: "/v2/whip", Bearer: "tok", Backend: fb})
			mux := http.NewServeMux()
			mux.Handle("/v2/whip/", srv)
			mux.Handle("/v2/whip", srv)
			mux.Handle("/whip", http.RedirectHandler("/v2/whip", code))
			ts := httptest.NewServer(mux)
			t.Cleanup(func() { ts.Close(); srv.Close() })

			// Only a replayed offer and token get past the fake backend
			// and the bearer check.
			c := &Client{Endpoint: ts.URL + "/whip", Bearer: "tok", HTTP: ts.Client()}
			s, err := c.Offer(t.Context(), testOffer)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(s.URL, ts.URL+"/v2/whip/session/") {
				t.Fatalf("URL %q not resolved against the redirected endpoint", s.URL)
			}
			if err := s.Trickle(t.Context(), mustFrag(t, trickle)); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(t.Context()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// stub answers every request with a fixed response and records the
// If-Match of each.
type stub struct {
	status           int
	ctype, loc, body string
	patchStatus      int
	patchBody        string
	mu               sync.Mutex
	ifMatch          []string
}

func (s *stub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	if r.Method == http.MethodPatch {
		s.mu.Lock()
		s.ifMatch = append(s.ifMatch, r.Header.Get("If-Match"))
		s.mu.Unlock()
		w.WriteHeader(s.patchStatus)
		io.WriteString(w, s.patchBody)
		return
	}
	if s.ctype != "" {
		w.Header().Set("Content-Type", s.ctype)
	}
	if s.loc != "" {
		w.Header().Set("Location", s.loc)
	}
	w.Header().Set("ETag", `"e1"`)
	w.WriteHeader(s.status)
	io.WriteString(w, s.body)
}

func TestClientAnswers(t *testing.T) {
	tests := []struct {
		name    string
		stub    *stub
		wantErr error
		wantURL string // after the server's URL
	}{
		{"text/plain without Location (pion's example)", &stub{status: 201, ctype: "text/plain; charset=utf-8", body: testAnswer}, nil, ""},
		{"Location is the endpoint (pion's example): no session resource", &stub{status: 201, ctype: "text/plain", loc: "/api/whip", body: testAnswer}, nil, ""},
		{"200 with a relative Location", &stub{status: 200, ctype: "application/sdp", loc: "sessions/1", body: testAnswer}, nil, "/api/sessions/1"},
		{"no Content-Type", &stub{status: 201, loc: "/s/1", body: testAnswer}, nil, "/s/1"},
		{"HTML", &stub{status: 200, ctype: "text/html", body: "<html>"}, ErrNoAnswer, ""},
		{"204", &stub{status: 204}, ErrNoAnswer, ""},
		{"empty SDP", &stub{status: 201, ctype: "application/sdp"}, ErrNoAnswer, ""},
		{"202 with SDP", &stub{status: 202, ctype: "application/sdp", body: testAnswer}, ErrNoAnswer, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := httptest.NewServer(tt.stub)
			defer ts.Close()
			c := &Client{Endpoint: ts.URL + "/api/whip"} // the default HTTP client
			s, err := c.Offer(t.Context(), testOffer)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("got %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if want := ts.URL + tt.wantURL; tt.wantURL == "" && s.URL != "" || tt.wantURL != "" && s.URL != want {
				t.Fatalf("URL %q, want %q", s.URL, want)
			}
			if s.URL != "" {
				return
			}
			ctx := t.Context()
			if err := s.Trickle(ctx, Frag{}); err != ErrNoSession {
				t.Errorf("Trickle: %v", err)
			}
			if _, err := s.Restart(ctx, Frag{}); err != ErrNoSession {
				t.Errorf("Restart: %v", err)
			}
			if err := s.Delete(ctx); err != ErrNoSession {
				t.Errorf("Delete: %v", err)
			}
		})
	}
	defaultHTTP.CloseIdleConnections()
}

func TestClientPatchRefused(t *testing.T) {
	tests := []struct {
		status      int
		unsupported bool
	}{
		{405, true}, {501, true}, {422, false}, {404, false},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			st := &stub{status: 201, ctype: "application/sdp", loc: "/s/1", body: testAnswer, patchStatus: tt.status, patchBody: "no\n"}
			ts := httptest.NewServer(st)
			defer ts.Close()
			s, err := (&Client{Endpoint: ts.URL, HTTP: ts.Client()}).Offer(t.Context(), testOffer)
			if err != nil {
				t.Fatal(err)
			}
			err = s.Trickle(t.Context(), mustFrag(t, trickle))
			var he *HTTPError
			if errors.Is(err, ErrTrickleUnsupported) != tt.unsupported || !errors.As(err, &he) || he.Status != tt.status || he.Op != "trickle" {
				t.Fatalf("Trickle: %v", err)
			}
			_, err = s.Restart(t.Context(), mustFrag(t, restart))
			if !errors.As(err, &he) || he.Op != "restart" {
				t.Fatalf("Restart: %v", err)
			}
			st.mu.Lock()
			defer st.mu.Unlock()
			if want := []string{`"e1"`, "*"}; !reflect.DeepEqual(st.ifMatch, want) {
				t.Errorf("If-Match %q, want %q", st.ifMatch, want)
			}
		})
	}
}

func TestClientErrorText(t *testing.T) {
	long := "<html>\n<body>\x1b[31mrefused\t\xff" + strings.Repeat("é", 400) + "</body></html>"
	tests := []struct {
		name string
		kind Kind
		stub *stub
		want string
	}{
		{"no body", WHIP, &stub{status: 503}, "WHIP endpoint refused the offer: 503 Service Unavailable"},
		{"long HTML", WHEP, &stub{status: 403, ctype: "text/html", body: long}, "WHEP endpoint refused the offer: 403 Forbidden: <html> <body> [31mrefused éé"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := httptest.NewServer(tt.stub)
			defer ts.Close()
			_, err := (&Client{Endpoint: ts.URL, HTTP: ts.Client(), Kind: tt.kind}).Offer(t.Context(), testOffer)
			var he *HTTPError
			if !errors.As(err, &he) || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("got %q, want %q...", err, tt.want)
			}
			if len(he.Body) > maxErrorBody+len("…") || strings.ContainsFunc(he.Body, isControl) {
				t.Errorf("body %q", he.Body)
			}
			if strings.ContainsRune(he.Body, '\uFFFD') || !utf8.ValidString(he.Body) {
				t.Errorf("body %q is not clean UTF-8", he.Body)
			}
		})
	}

	// Our own server's 401, end to end.
	_, ts, _ := newTestServer(t, ServerConfig{Bearer: "tok"})
	_, err := (&Client{Endpoint: ts.URL + "/whip", Bearer: "wrong", HTTP: ts.Client()}).Offer(context.Background(), testOffer)
	if want := "WHIP endpoint refused the offer: 401 Unauthorized: missing or wrong bearer token"; err == nil || err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
}
