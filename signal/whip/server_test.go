package whip

import (
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/signal"
	"go.uber.org/goleak"
)

const (
	auth     = "Authorization: Bearer tok"
	ctSDP    = "Content-Type: application/sdp"
	ctFrag   = "Content-Type: application/trickle-ice-sdpfrag"
	trickle  = "a=ice-ufrag:cli1\r\na=ice-pwd:clipwd1clipwd1clipwd1\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\na=candidate:1 1 udp 2130706431 192.0.2.1 5000 typ host\r\n"
	restart  = "a=ice-ufrag:cli2\r\na=ice-pwd:clipwd2clipwd2clipwd2\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\na=candidate:1 1 udp 2130706431 192.0.2.1 5001 typ host\r\n"
	anyMatch = "If-Match: *"
)

// TestServerStatus checks every status the server answers. "{s}" in a
// path is a session created for the row.
func TestServerStatus(t *testing.T) {
	tests := []struct {
		name         string
		method, path string
		headers      []string
		body         string
		backendErr   error
		want         int
		wantHeaders  map[string]string
		wantBody     string
	}{
		{"offer", "POST", "/whip", []string{auth, ctSDP}, testOffer, nil, 201,
			map[string]string{"Content-Type": "application/sdp", "Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "Location, Link, ETag"}, "a=ice-ufrag:srv1"},
		{"offer to a named stream", "POST", "/whip/cam1", []string{auth, ctSDP}, testOffer, nil, 201, nil, "v=0"},
		{"offer with trailing slash", "POST", "/whip/", []string{auth, ctSDP}, testOffer, nil, 201, nil, "v=0"},
		{"offer with charset", "POST", "/whip", []string{auth, "Content-Type: application/SDP; charset=utf-8"}, testOffer, nil, 201, nil, "v=0"},
		{"no token", "POST", "/whip", []string{ctSDP}, testOffer, nil, 401, map[string]string{"WWW-Authenticate": "Bearer"}, "bearer token"},
		{"wrong token", "POST", "/whip", []string{"Authorization: Bearer tok2", ctSDP}, testOffer, nil, 401, nil, "bearer token"},
		{"token of another scheme", "POST", "/whip", []string{"Authorization: Basic tok", ctSDP}, testOffer, nil, 401, nil, "bearer token"},
		{"origin echoed", "POST", "/whip", []string{"Origin: https://a.example", ctSDP}, testOffer, nil, 401, map[string]string{"Access-Control-Allow-Origin": "https://a.example"}, ""},
		{"text/plain offer", "POST", "/whip", []string{auth, "Content-Type: text/plain"}, testOffer, nil, 415, nil, "application/sdp"},
		{"no content type", "POST", "/whip", []string{auth}, testOffer, nil, 415, nil, "application/sdp"},
		{"empty offer", "POST", "/whip", []string{auth, ctSDP}, " \r\n", nil, 400, nil, "empty body"},
		{"garbage offer", "POST", "/whip", []string{auth, ctSDP}, "hello", nil, 400, map[string]string{"Content-Type": "text/plain; charset=utf-8"}, "bad offer: not an SDP offer"},
		{"offer too large", "POST", "/whip", []string{auth, ctSDP}, "v=0\r\n" + strings.Repeat("a=x\r\n", 300), nil, 413, nil, "over 1024 bytes"},
		{"backend failure", "POST", "/whip", []string{auth, ctSDP}, testOffer, errors.New("secret detail"), 500, nil, "could not start"},
		{"GET endpoint", "GET", "/whip", []string{auth}, "", nil, 405, map[string]string{"Allow": "POST, OPTIONS"}, "use POST"},
		{"PUT session", "PUT", "{s}", []string{auth}, "", nil, 405, map[string]string{"Allow": "PATCH, DELETE, OPTIONS"}, ""},
		{"POST session", "POST", "{s}", []string{auth, ctSDP}, testOffer, nil, 405, map[string]string{"Allow": "PATCH, DELETE, OPTIONS"}, ""},
		{"unknown path under endpoint", "POST", "/whip/a/b", []string{auth, ctSDP}, testOffer, nil, 404, nil, ""},
		{"session without id", "DELETE", "/whip/session/", []string{auth}, "", nil, 404, nil, ""},
		{"other path", "POST", "/whipx", []string{auth, ctSDP}, testOffer, nil, 404, nil, ""},
		{"PATCH unknown session", "PATCH", "/whip/session/nope", []string{auth, ctFrag}, trickle, nil, 404, nil, "no such session"},
		{"DELETE unknown session", "DELETE", "/whip/session/nope", []string{auth}, "", nil, 404, nil, "no such session"},
		{"PATCH without token", "PATCH", "{s}", []string{ctFrag}, trickle, nil, 401, nil, ""},
		{"trickle", "PATCH", "{s}", []string{auth, ctFrag}, trickle, nil, 204, nil, ""},
		{"trickle without credentials", "PATCH", "{s}", []string{auth, ctFrag}, "m=audio 9 RTP/AVP 0\r\na=mid:0\r\na=end-of-candidates\r\n", nil, 204, nil, ""},
		{"trickle as text/plain", "PATCH", "{s}", []string{auth, "Content-Type: text/plain"}, trickle, nil, 415, nil, "trickle-ice-sdpfrag"},
		{"garbage sdpfrag", "PATCH", "{s}", []string{auth, ctFrag}, "hello", nil, 400, nil, "not an SDP line"},
		{"empty sdpfrag", "PATCH", "{s}", []string{auth, ctFrag}, "", nil, 400, nil, "empty body"},
		{"sdpfrag too large", "PATCH", "{s}", []string{auth, ctFrag}, strings.Repeat("a=x\r\n", 300), nil, 413, nil, ""},
		{"candidate the session refuses", "PATCH", "{s}", []string{auth, ctFrag}, "m=audio 9 RTP/AVP 0\r\na=candidate:bad\r\n", nil, 422, nil, "cannot apply"},
		{"trickle with stale ETag", "PATCH", "{s}", []string{auth, ctFrag, `If-Match: "stale"`}, trickle, nil, 412, nil, "If-Match"},
		{"restart", "PATCH", "{s}", []string{auth, ctFrag, anyMatch}, restart, nil, 200,
			map[string]string{"Content-Type": "application/trickle-ice-sdpfrag", "Access-Control-Expose-Headers": "ETag"}, "a=ice-ufrag:srv2"},
		{"restart without If-Match", "PATCH", "{s}", []string{auth, ctFrag}, restart, nil, 428, nil, "If-Match"},
		{"restart with wrong If-Match", "PATCH", "{s}", []string{auth, ctFrag, `If-Match: "stale"`}, restart, nil, 412, nil, ""},
		{"restart without pwd", "PATCH", "{s}", []string{auth, ctFrag, anyMatch}, "a=ice-ufrag:cli2\r\n", nil, 422, nil, "ice-pwd"},
		{"DELETE", "DELETE", "{s}", []string{auth}, "", nil, 200, nil, ""},
		{"DELETE without token", "DELETE", "{s}", nil, "", nil, 401, nil, ""},
		{"preflight on endpoint", "OPTIONS", "/whip", []string{"Origin: https://a.example", "Access-Control-Request-Method: POST"}, "", nil, 204, map[string]string{
			"Access-Control-Allow-Origin":  "https://a.example",
			"Access-Control-Allow-Methods": "POST, PATCH, DELETE, OPTIONS",
			"Access-Control-Allow-Headers": "Content-Type, Authorization, If-Match",
			"Access-Control-Max-Age":       "86400",
			"Allow":                        "POST, OPTIONS",
			"Link":                         "",
		}, ""},
		{"preflight on session", "OPTIONS", "{s}", nil, "", nil, 204, map[string]string{"Allow": "PATCH, DELETE, OPTIONS", "Access-Control-Allow-Methods": "POST, PATCH, DELETE, OPTIONS"}, ""},
		{"OPTIONS with token", "OPTIONS", "/whip", []string{auth}, "", nil, 204, map[string]string{"Link": `<stun:stun.example.net>; rel="ice-server"`}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ts, fb := newTestServer(t, ServerConfig{Bearer: "tok", MaxSDP: 1024, ICEServers: testICE})
			path := tt.path
			if path == "{s}" {
				path, _ = create(t, ts, auth)
			}
			fb.err = tt.backendErr
			resp, body := request(t, ts, tt.method, path, tt.body, tt.headers...)
			if resp.StatusCode != tt.want {
				t.Fatalf("%s %s: got %s %q, want %d", tt.method, path, resp.Status, body, tt.want)
			}
			for k, v := range tt.wantHeaders {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s: got %q, want %q", k, got, v)
				}
			}
			if !strings.Contains(body, tt.wantBody) {
				t.Errorf("body %q does not contain %q", body, tt.wantBody)
			}
			if strings.Contains(body, "secret") {
				t.Errorf("body %q shows the backend's error", body)
			}
		})
	}
}

var testICE = []signal.ICEServer{
	{URLs: []string{"stun:stun.example.net"}},
	{URLs: []string{"turn:turn.example.net?transport=udp", "turns:turn.example.net"}, Username: "user", Credential: `pa"ss`},
}

func TestServerCreated(t *testing.T) {
	_, ts, fb := newTestServer(t, ServerConfig{ICEServers: testICE})
	resp, body := request(t, ts, "POST", "/whip/cam1", testOffer, ctSDP)
	if resp.StatusCode != 201 || body != testAnswer {
		t.Fatalf("got %s %q", resp.Status, body)
	}
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/whip/session/") || len(loc) < len("/whip/session/")+16 {
		t.Errorf("Location %q", loc)
	}
	if etag := resp.Header.Get("ETag"); len(etag) < 3 || etag[0] != '"' || etag[len(etag)-1] != '"' {
		t.Errorf("ETag %q is not quoted", etag)
	}
	wantLinks := []string{
		`<stun:stun.example.net>; rel="ice-server"`,
		`<turn:turn.example.net?transport=udp>; rel="ice-server"; username="user"; credential="pa\"ss"; credential-type="password"`,
		`<turns:turn.example.net>; rel="ice-server"; username="user"; credential="pa\"ss"; credential-type="password"`,
	}
	if got := resp.Header.Values("Link"); !slices.Equal(got, wantLinks) {
		t.Errorf("Link:\n got %q\nwant %q", got, wantLinks)
	}
	if got := fb.last().name; got != "cam1" {
		t.Errorf("stream name %q, want cam1", got)
	}
	// Two sessions never share a Location.
	resp2, _ := request(t, ts, "POST", "/whip", testOffer, ctSDP)
	if resp2.Header.Get("Location") == resp.Header.Get("Location") {
		t.Error("two sessions got the same Location")
	}
}

func TestServerRestart(t *testing.T) {
	_, ts, fb := newTestServer(t, ServerConfig{})
	path, etag := create(t, ts)
	steps := []struct {
		name    string
		headers []string
		body    string
		want    int
	}{
		{"trickle with the ETag", []string{ctFrag, "If-Match: " + etag}, trickle, 204},
		{"restart with the ETag", []string{ctFrag, "If-Match: " + etag}, restart, 200},
		{"trickle with the old ETag", []string{ctFrag, "If-Match: " + etag}, trickle, 412},
		{"trickle with the new ufrag and no If-Match", []string{ctFrag}, restart, 204},
		{"restart again with *", []string{ctFrag, anyMatch}, strings.ReplaceAll(restart, "cli2", "cli3"), 200},
	}
	for _, st := range steps {
		resp, body := request(t, ts, "PATCH", path, st.body, st.headers...)
		if resp.StatusCode != st.want {
			t.Fatalf("%s: got %s %q, want %d", st.name, resp.Status, body, st.want)
		}
		if resp.StatusCode != 200 {
			continue
		}
		if got := resp.Header.Get("ETag"); got == etag || got == "" {
			t.Fatalf("%s: ETag %q did not change from %q", st.name, got, etag)
		}
		etag = resp.Header.Get("ETag")
		if f, err := ParseFrag([]byte(body)); err != nil || f.Ufrag != "srv2" {
			t.Fatalf("%s: answer %q: %+v, %v", st.name, body, f, err)
		}
	}
	if _, trickled, restarts := fb.last().counts(); trickled != 2 || restarts != 2 {
		t.Errorf("trickled %d, restarted %d times; want 2 and 2", trickled, restarts)
	}
}

func TestServerDelete(t *testing.T) {
	srv, ts, fb := newTestServer(t, ServerConfig{})
	path, _ := create(t, ts)
	for i, want := range []int{200, 404} {
		if resp, body := request(t, ts, "DELETE", path, ""); resp.StatusCode != want {
			t.Fatalf("DELETE #%d: %s %q, want %d", i+1, resp.Status, body, want)
		}
	}
	if closed, _, _ := fb.last().counts(); closed != 1 {
		t.Errorf("Close called %d times, want 1", closed)
	}
	if n := srv.Sessions(); n != 0 {
		t.Errorf("Sessions() = %d after DELETE", n)
	}
}

func TestServerForgetsEndedSession(t *testing.T) {
	srv, ts, fb := newTestServer(t, ServerConfig{})
	path, _ := create(t, ts)
	if n := srv.Sessions(); n != 1 {
		t.Fatalf("Sessions() = %d", n)
	}
	fb.last().fail()
	if n := srv.Sessions(); n != 0 {
		t.Errorf("Sessions() = %d after the session ended", n)
	}
	if resp, _ := request(t, ts, "PATCH", path, trickle, ctFrag); resp.StatusCode != 404 {
		t.Errorf("PATCH on an ended session: %s", resp.Status)
	}
	// Its client's DELETE is still to come: a stopping program waits for it.
	deadline := time.Now().Add(5 * time.Second)
	for srv.AwaitingDelete() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("AwaitingDelete() = %d after the session ended; want 1", srv.AwaitingDelete())
		}
		runtime.Gosched()
	}
	if resp, _ := request(t, ts, "DELETE", path, ""); resp.StatusCode != 404 {
		t.Errorf("DELETE on an ended session: %s", resp.Status)
	}
	if n := srv.AwaitingDelete(); n != 0 {
		t.Errorf("AwaitingDelete() = %d after the DELETE", n)
	}
}

func TestServerMaxSessions(t *testing.T) {
	_, ts, fb := newTestServer(t, ServerConfig{MaxSessions: 2})
	first, _ := create(t, ts)
	create(t, ts)
	full := func(step string) {
		t.Helper()
		resp, body := request(t, ts, "POST", "/whip", testOffer, ctSDP)
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "too many") {
			t.Fatalf("%s: got %s %q Retry-After %q", step, resp.Status, body, resp.Header.Get("Retry-After"))
		}
	}
	full("third session")
	request(t, ts, "DELETE", first, "")
	create(t, ts) // the DELETE freed a slot
	full("after refilling")
	fb.last().fail()
	create(t, ts) // and so did the session that ended
}

// TestServerClose checks that Close ends every session and leaves no
// goroutine behind, and that later offers get 503.
func TestServerClose(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	fb := &fakeBackend{}
	srv := NewServer(ServerConfig{Path: "/whip", Backend: fb})
	for range 3 {
		rec := serve(srv, "POST", "/whip", testOffer, ctSDP)
		if rec.Code != 201 {
			t.Fatalf("POST: %d %q", rec.Code, rec.Body)
		}
	}
	srv.Close()
	for i, s := range fb.sessions {
		if closed, _, _ := s.counts(); closed != 1 {
			t.Errorf("session %d closed %d times", i, closed)
		}
	}
	if rec := serve(srv, "POST", "/whip", testOffer, ctSDP); rec.Code != 503 {
		t.Errorf("POST after Close: %d", rec.Code)
	}
	if n := srv.Sessions(); n != 0 {
		t.Errorf("Sessions() = %d after Close", n)
	}
}
