package signal

import (
	"strings"
	"testing"
	"time"
)

// Every welcome carries a TURN server with credentials of the peer's own:
// EXPIRY:ID, the password the HMAC of the secret, valid for the TTL, on
// the host the client reached the server by.
func TestWelcomeTURNCredentials(t *testing.T) {
	secret := []byte("shared")
	_, url := testServer(t, ServerConfig{
		ICEServers: []ICEServer{{URLs: []string{"stun:stun.example:3478"}}},
		TURN:       &TURNAuth{Secret: secret, TTL: 10 * time.Minute, Port: 3478, TLSPort: 5349},
	})
	before := time.Now()
	a := dialClient(t, ClientConfig{URL: url, Room: "t", Role: RoleSender})
	b := dialClient(t, ClientConfig{URL: url, Room: "t", Role: RoleReceiver})
	turnOf := func(c *Client) ICEServer {
		t.Helper()
		ice := c.Welcome().ICEServers
		if len(ice) != 2 || ice[0].URLs[0] != "stun:stun.example:3478" {
			t.Fatalf("welcome iceServers %+v: want the STUN server and a TURN server", ice)
		}
		return ice[1]
	}
	ta, tb := turnOf(a), turnOf(b)
	want := []string{"turn:127.0.0.1:3478?transport=udp", "turn:127.0.0.1:3478?transport=tcp", "turns:127.0.0.1:5349?transport=tcp"}
	if strings.Join(ta.URLs, " ") != strings.Join(want, " ") {
		t.Errorf("TURN URLs %v, want %v", ta.URLs, want)
	}
	for c, ice := range map[*Client]ICEServer{a: ta, b: tb} {
		exp, ok := TURNExpiry(ice.Username)
		if !ok || !strings.HasSuffix(ice.Username, ":"+c.ID()) {
			t.Fatalf("username %q: want EXPIRY:%s", ice.Username, c.ID())
		}
		if ttl := exp.Sub(before); ttl < 9*time.Minute || ttl > 11*time.Minute {
			t.Errorf("credentials valid for %v, want the TTL, 10m", ttl)
		}
		if ice.Credential != TURNPassword(secret, ice.Username) {
			t.Errorf("password of %q is not the secret's HMAC", ice.Username)
		}
	}
	if ta.Username == tb.Username {
		t.Error("two peers got the same credentials")
	}
}

func TestTURNAuthURLs(t *testing.T) {
	a := &TURNAuth{Secret: []byte("s"), Port: 3478}
	for host, want := range map[string]string{
		"signal.example.org:8080": "turn:signal.example.org:3478?transport=udp",
		"[::1]:8080":              "turn:[::1]:3478?transport=udp",
		"10.0.0.1":                "turn:10.0.0.1:3478?transport=udp",
		"":                        "turn:localhost:3478?transport=udp",
	} {
		if got := a.ICEServer(host, "x", time.Now()).URLs[0]; got != want {
			t.Errorf("host %q: %s, want %s", host, got, want)
		}
	}
	ext := &TURNAuth{Secret: []byte("s"), URLs: []string{"turn:turn.example.org:3478"}}
	if got := ext.ICEServer("other:1", "x", time.Now()).URLs; len(got) != 1 || got[0] != "turn:turn.example.org:3478" {
		t.Errorf("explicit URLs: %v", got)
	}
	// The scheme of the TURN REST API draft and coturn's use-auth-secret,
	// by a known answer (computed by Python's hmac): base64 of
	// HMAC-SHA1("secret", "1700000000:alice").
	user, pass := TURNCredentials([]byte("secret"), "alice", time.Unix(1700000000, 0))
	if user != "1700000000:alice" || pass != "d8soP47RbdIKLDUOpnJPVQyq5Ts=" {
		t.Errorf("credentials %q %q", user, pass)
	}
	if _, ok := TURNExpiry("alice"); ok {
		t.Error("TURNExpiry took a username without an expiry")
	}
}

// FuzzTURNExpiry: any username parses without panicking, and one that
// parses names an expiry that TURNCredentials would write back.
func FuzzTURNExpiry(f *testing.F) {
	for _, s := range []string{"1700000000:alice", "1700000000", "x:1", ":", "", "-5:a", "99999999999999999999:a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, user string) {
		exp, ok := TURNExpiry(user)
		if !ok {
			return
		}
		ts, _, _ := strings.Cut(user, ":")
		if got, _ := TURNCredentials(nil, "", exp); strings.TrimLeft(ts, "+0") != got {
			t.Fatalf("%q: expiry %d", user, exp.Unix())
		}
	})
}
