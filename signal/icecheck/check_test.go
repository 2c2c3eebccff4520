package icecheck

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/signal"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// margin is how long past its timeout a check may take on a loaded
// machine (-race, two cores).
const margin = time.Second

func TestICECheck(t *testing.T) {
	srv := startTURN(t)
	user, pass := credentials(t, time.Hour)
	oldUser, oldPass := credentials(t, -time.Hour)
	trusted := &tls.Config{RootCAs: srv.roots}
	cases := []struct {
		name      string
		server    signal.ICEServer
		tls       *tls.Config
		timeout   time.Duration
		transport string
		ok        bool
		relay     bool
		code      int
		err       string
	}{
		{name: "turn udp", server: iceServer("turn:"+srv.udp+"?transport=udp", user, pass), transport: "udp", ok: true, relay: true},
		{name: "turn tcp", server: iceServer("turn:"+srv.tcp+"?transport=tcp", user, pass), transport: "tcp", ok: true, relay: true},
		{name: "turns", server: iceServer("turns:"+srv.tls+"?transport=tcp", user, pass), tls: trusted, transport: "tls", ok: true, relay: true},
		{name: "stun", server: iceServer("stun:"+srv.udp, "", ""), transport: "udp", ok: true},
		{name: "stuns", server: iceServer("stuns:"+srv.tls, "", ""), tls: trusted, transport: "tls", ok: true},
		{name: "wrong password", server: iceServer("turn:"+srv.udp, user, "not-the-password-42"), transport: "udp", code: 401,
			err: "unauthorized: wrong username or password, or expired credentials"},
		{name: "wrong password over tcp", server: iceServer("turn:"+srv.tcp+"?transport=tcp", user, "not-the-password-42"), transport: "tcp", code: 401, err: "unauthorized"},
		{name: "expired credentials", server: iceServer("turn:"+srv.udp, oldUser, oldPass), transport: "udp", code: 401, err: "unauthorized"},
		{name: "no credentials", server: iceServer("turn:"+srv.udp, "", ""), transport: "udp", err: "needs a username and credential"},
		{name: "closed udp port", server: iceServer("stun:"+closedUDP(t), "", ""), timeout: 700 * time.Millisecond, transport: "udp",
			err: "no answer within 700ms: port blocked or wrong address"},
		{name: "closed tcp port", server: iceServer("turn:"+closedTCP(t)+"?transport=tcp", user, pass), transport: "tcp", err: "connection refused"},
		{name: "unknown CA", server: iceServer("turns:"+srv.tls+"?transport=tcp", user, pass), transport: "tls", err: "TLS: certificate signed by an unknown authority"},
		{name: "turns on a plain port", server: iceServer("turns:"+srv.tcp+"?transport=tcp", user, pass), tls: trusted, transport: "tls", err: "TLS: the server closed the connection during the handshake"},
		{name: "bad URL", server: iceServer("turn:user:secret@", user, pass), err: "bad ICE server URL"},
		{name: "DTLS", server: iceServer("turns:"+srv.udp+"?transport=udp", user, pass), err: "DTLS"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			timeout := cmp(tc.timeout, 5*time.Second)
			ctx, cancel := context.WithTimeout(context.Background(), timeout+margin)
			defer cancel()
			start := time.Now()
			res := Check(ctx, Config{Servers: []signal.ICEServer{tc.server}, Timeout: timeout, TLS: tc.tls})
			if took := time.Since(start); took > timeout+margin {
				t.Errorf("took %v, timeout %v", took, timeout)
			}
			if len(res.Servers) != 1 {
				t.Fatalf("%d results, want 1", len(res.Servers))
			}
			r := res.Servers[0]
			t.Logf("%+v", r)
			if r.OK != tc.ok || r.Code != tc.code || !strings.Contains(r.Error, tc.err) || r.Transport != tc.transport {
				t.Errorf("ok %v, code %d, error %q, transport %q; want %v, %d, %q, %q", r.OK, r.Code, r.Error, r.Transport, tc.ok, tc.code, tc.err, tc.transport)
			}
			if r.OK && (r.Srflx == "" || r.RTTMillis <= 0 || r.Error != "") {
				t.Errorf("works but srflx %q, rtt %v ms, error %q", r.Srflx, r.RTTMillis, r.Error)
			}
			if (r.Relay != "") != tc.relay {
				t.Errorf("relay %q, want one: %v", r.Relay, tc.relay)
			}
			if res.OK() != tc.ok {
				t.Errorf("Result.OK() = %v", res.OK())
			}
			noSecrets(t, res, tc.server.Credential)
		})
	}
}

func cmp(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// noSecrets fails if the text or JSON of res shows secret.
func noSecrets(t *testing.T, res *Result, secret string) {
	t.Helper()
	var text bytes.Buffer
	res.WriteText(&text)
	j, _ := json.Marshal(res)
	if secret != "" && (strings.Contains(text.String(), secret) || strings.Contains(string(j), secret)) {
		t.Errorf("the credential shows:\n%s\n%s", text.String(), j)
	}
}

// Servers are checked in parallel: one that does not answer delays the
// others by nothing, and the results keep the order of the URLs.
func TestICECheckParallel(t *testing.T) {
	srv := startTURN(t)
	user, pass := credentials(t, time.Hour)
	servers := []signal.ICEServer{
		{URLs: []string{"turn:" + srv.udp + "?transport=udp", "turn:" + srv.tcp + "?transport=tcp"}, Username: user, Credential: pass},
		iceServer("stun:"+closedUDP(t), "", ""),
		iceServer("stun:"+closedUDP(t), "", ""),
		iceServer("stun:"+srv.udp, "", ""),
	}
	const timeout = time.Second
	ctx, cancel := context.WithTimeout(context.Background(), timeout+margin)
	defer cancel()
	start := time.Now()
	res := Check(ctx, Config{Servers: servers, Timeout: timeout})
	if took := time.Since(start); took > timeout+margin {
		t.Errorf("took %v for a timeout of %v: not in parallel", took, timeout)
	}
	want := []bool{true, true, false, false, true}
	if len(res.Servers) != len(want) {
		t.Fatalf("%d results, want %d", len(res.Servers), len(want))
	}
	for i, w := range want {
		if res.Servers[i].OK != w {
			t.Errorf("server %d (%s): ok %v, want %v", i, res.Servers[i].URL, res.Servers[i].OK, w)
		}
	}
	if res.OK() || res.Failed() != 2 {
		t.Errorf("OK() %v, Failed() %d; want false, 2", res.OK(), res.Failed())
	}
}

// A canceled context ends Check at once, whatever the timeout.
func TestICECheckCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan *Result, 1)
	go func() {
		done <- Check(ctx, Config{Servers: []signal.ICEServer{iceServer("stun:"+closedUDP(t), "", "")}, Timeout: time.Minute})
	}()
	cancel()
	select {
	case res := <-done:
		if res.OK() || !strings.Contains(res.Servers[0].Error, "interrupted") {
			t.Errorf("result %+v", res.Servers[0])
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Check did not return after its context was canceled")
	}
}

// A relay is given back at once, not left to hold a port and a quota slot
// for ten minutes.
func TestICERelayReleased(t *testing.T) {
	srv := startTURN(t)
	user, pass := credentials(t, time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res := Check(ctx, Config{Servers: []signal.ICEServer{iceServer("turn:"+srv.udp, user, pass)}})
	if !res.OK() {
		t.Fatalf("%+v", res.Servers)
	}
	select {
	case <-srv.deleted:
	case <-ctx.Done():
		t.Fatal("the allocation was not released")
	}
}
