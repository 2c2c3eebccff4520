package main

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pion/logging"
	"github.com/pion/turn/v5"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

const iceTestSecret = "ice-check-secret"

// startICETURN runs a pion TURN server on a loopback UDP port and returns
// its turn: URL and valid credentials.
func startICETURN(t *testing.T) (url, user, pass string) {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	quiet := logging.NewDefaultLoggerFactory()
	quiet.DefaultLogLevel = logging.LogLevelDisabled
	s, err := turn.NewServer(turn.ServerConfig{
		Realm:       "webrtc-cli",
		AuthHandler: turn.LongTermTURNRESTAuthHandler(iceTestSecret, quiet.NewLogger("auth")),
		PacketConnConfigs: []turn.PacketConnConfig{{PacketConn: pc,
			RelayAddressGenerator: &turn.RelayAddressGeneratorStatic{RelayAddress: net.ParseIP("127.0.0.1"), Address: "127.0.0.1"}}},
		LoggerFactory: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	user, pass, err = turn.GenerateLongTermTURNRESTCredentials(iceTestSecret, "id", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return "turn:" + pc.LocalAddr().String() + "?transport=udp", user, pass
}

// startSignal serves signaling on loopback with cfg until the test ends,
// and returns its ws:// URL.
func startSignal(t *testing.T, cfg signal.ServerConfig) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- signal.NewServer(cfg).Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("the signaling server did not stop")
		}
	})
	return "ws://" + ln.Addr().String() + "/ws"
}

// iceCheckJSON is the documented JSON output of ice-check.
type iceCheckJSON struct {
	Host    []string `json:"host"`
	Servers []struct {
		URL       string   `json:"url"`
		Type      string   `json:"type"`
		Transport string   `json:"transport"`
		OK        *bool    `json:"ok"`
		RTTMillis *float64 `json:"rtt_ms"`
		Srflx     string   `json:"srflx"`
		Relay     string   `json:"relay"`
		Error     *string  `json:"error"`
		Code      *int     `json:"code"`
	} `json:"servers"`
	NAT struct {
		Mapping string `json:"mapping"`
		Detail  string `json:"detail"`
	} `json:"nat"`
}

func TestICECheckCommand(t *testing.T) {
	url, user, pass := startICETURN(t)
	good := url + "," + user + "," + pass

	code, out, stderr := runCLI("ice-check", "--ice-server", good, "--json", "--timeout", "5s")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	var res iceCheckJSON
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("--json output does not parse: %v\n%s", err, out)
	}
	s := res.Servers
	if res.Host == nil || len(s) != 1 || s[0].URL != url || s[0].Type != "turn" || s[0].Transport != "udp" ||
		s[0].OK == nil || !*s[0].OK || s[0].RTTMillis == nil || *s[0].RTTMillis <= 0 || s[0].Srflx == "" ||
		s[0].Relay == "" || s[0].Error == nil || s[0].Code == nil || res.NAT.Mapping != "unknown" || res.NAT.Detail == "" {
		t.Errorf("JSON output:\n%s", out)
	}
	if strings.Contains(out+stderr, pass) {
		t.Error("the credential shows in the output")
	}

	code, out, stderr = runCLI("ice-check", "--ice-server", good)
	if code != exitOK || !strings.Contains(out, url) || !strings.Contains(out, " ok ") || !strings.Contains(out, "relay 127.0.0.1:") {
		t.Errorf("text: exit %d\n%s\n%s", code, out, stderr)
	}

	code, out, stderr = runCLI("ice-check", "--ice-server", url+","+user+",not-the-password-42")
	if code != exitError || !strings.Contains(out, "FAIL  401 unauthorized") || !strings.Contains(stderr, "1 of 1 ICE servers failed") {
		t.Errorf("wrong password: exit %d\n%s\n%s", code, out, stderr)
	}
}

func TestICECheckUsage(t *testing.T) {
	cases := []struct {
		args []string
		err  string
	}{
		{[]string{"ice-check"}, "give --server URL (a signaling server) or --ice-server"},
		{[]string{"ice-check", "--ice-server", "http://x"}, "--ice-server"},
		{[]string{"ice-check", "--ice-server", "turn:x:3478"}, "needs URL,username,credential"},
		{[]string{"ice-check", "--ice-server", "stun:x:99999"}, "--ice-server: bad ICE server URL"},
		{[]string{"ice-check", "--ice-server", "stun:x", "--timeout", "0s"}, "--timeout 0s"},
		{[]string{"ice-check", "--server", "ws://a/ws", "--insecure"}, "--insecure is for wss:// servers"},
		{[]string{"ice-check", "extra"}, "takes no arguments"},
	}
	for _, tc := range cases {
		code, _, stderr := runCLI(tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.err) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.args, code, stderr, exitUsage, tc.err)
		}
	}
}

// --server checks the ICE servers the signaling server hands out.
func TestICECheckFromServer(t *testing.T) {
	url, user, pass := startICETURN(t)
	ws := startSignal(t, signal.ServerConfig{ICEServers: []signal.ICEServer{{URLs: []string{url}, Username: user, Credential: pass}}})
	code, out, stderr := runCLI("ice-check", "--server", ws, "--json")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	var res iceCheckJSON
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(res.Servers) != 1 || res.Servers[0].URL != url || res.Servers[0].Relay == "" {
		t.Errorf("output:\n%s", out)
	}
	if strings.Contains(out+stderr, pass) {
		t.Error("the credential shows in the output")
	}

	// A server without ICE servers leaves nothing to check.
	bare := startSignal(t, signal.ServerConfig{})
	code, _, stderr = runCLI("ice-check", "--server", bare)
	if code != exitError || !strings.Contains(stderr, "hands out no ICE servers") {
		t.Errorf("bare server: exit %d, %q", code, stderr)
	}
	// No server at all.
	code, _, stderr = runCLI("ice-check", "--server", "ws://"+closedTCPAddr(t)+"/ws", "--timeout", "2s")
	if code != exitError || strings.Count(stderr, "webrtc-cli: ") != 1 {
		t.Errorf("no server: exit %d, %q", code, stderr)
	}
}

func closedTCPAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
