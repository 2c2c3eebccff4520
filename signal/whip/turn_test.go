package whip

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/signal"
)

// With TURN, each 201 announces a TURN server with credentials of the
// session's own (EXPIRY:SESSION-ID), and the client parses them back.
func TestServerTURNLinks(t *testing.T) {
	secret := []byte("shared")
	auth := &signal.TURNAuth{Secret: secret, TTL: time.Hour, URLs: []string{"turn:turn.example.org:3478?transport=udp"}}
	_, ts, _ := newTestServer(t, ServerConfig{TURN: auth})
	seen := map[string]bool{}
	for range 2 {
		resp, _ := request(t, ts, "POST", "/whip", testOffer, ctSDP)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("POST: %s", resp.Status)
		}
		ice := ParseLinks(resp.Header)
		if len(ice) != 1 || ice[0].URLs[0] != auth.URLs[0] {
			t.Fatalf("Link ICE servers %+v", ice)
		}
		id := strings.TrimPrefix(resp.Header.Get("Location"), "/whip/session/")
		if !strings.HasSuffix(ice[0].Username, ":"+id) {
			t.Errorf("username %q does not name session %s", ice[0].Username, id)
		}
		if exp, ok := signal.TURNExpiry(ice[0].Username); !ok || time.Until(exp) < 59*time.Minute {
			t.Errorf("username %q: expiry %v, want an hour from now", ice[0].Username, exp)
		}
		if ice[0].Credential != signal.TURNPassword(secret, ice[0].Username) {
			t.Errorf("credential of %q is not the secret's HMAC", ice[0].Username)
		}
		if !strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "Link") {
			t.Error("Link is not exposed to pages")
		}
		seen[ice[0].Username] = true
	}
	if len(seen) != 2 {
		t.Error("two sessions got the same TURN credentials")
	}
}
