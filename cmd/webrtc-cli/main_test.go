package main

import (
	"bytes"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestExitCodes(t *testing.T) {
	cases := []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"version"}, exitOK, ""},
		{[]string{"nope"}, exitUsage, "unknown command"},
		{[]string{"serve", "--bogus"}, exitUsage, "unknown flag"},
		{[]string{"serve", "extra"}, exitUsage, "takes no arguments"},
		{[]string{"--log-level", "loud", "version"}, exitUsage, "--log-level"},
		{[]string{"--log-format", "xml", "version"}, exitUsage, "--log-format"},
		{[]string{"serve", "--rate", "fast"}, exitUsage, "--rate"},
		{[]string{"serve", "--ice-server", "http://x"}, exitUsage, "--ice-server"},
		{[]string{"serve", "--tls-cert", "c.pem"}, exitUsage, "go together"},
		{[]string{"serve", "--tls-self-signed", "--tls-cert", "c", "--tls-key", "k"}, exitUsage, "exclude"},
		{[]string{"serve", "--static", "/does/not/exist"}, exitUsage, "not a directory"},
		{[]string{"serve", "--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent.key"}, exitError, "certificate"},
		{[]string{"serve", "--addr", "256.0.0.1:1"}, exitError, ""},
		{[]string{"serve", "--tls-self-signed-out", "c.pem"}, exitUsage, "only a self-signed certificate"},
		{[]string{"serve", "--join-timeout", "-1s"}, exitUsage, "--join-timeout"},
		{[]string{"serve", "--max-conns-per-ip", "-1"}, exitUsage, "--max-conns-per-ip"},
		{[]string{"serve", "--public-url", "ftp://x"}, exitUsage, "--public-url"},
		{[]string{"serve", "--token-secret", "@/nonexistent/secret"}, exitError, "--token-secret @FILE"},
		{[]string{"serve", "--redis", "ftp://x"}, exitUsage, "--redis: "},
		{[]string{"serve", "--redis", "redis://127.0.0.1:6379/0", "--heartbeat-timeout", "1s"}, exitUsage, "--heartbeat-timeout 1s"},
		{[]string{"serve", "--redis", "@/nonexistent/redis-url"}, exitError, "--redis @FILE"},
		{[]string{"serve", "--turn-secret", "s"}, exitUsage, "--turn-secret needs --turn-url"},
		{[]string{"serve", "--turn-url", "turn:h:3478"}, exitUsage, "--turn-url needs --turn-secret"},
		{[]string{"serve", "--turn-url", "stun:h:3478", "--turn-secret", "s"}, exitUsage, `--turn-url "stun:h:3478": want turn:`},
		{[]string{"serve", "--turn", ":0", "--turn-ttl", "0s"}, exitUsage, "--turn-ttl 0s"},
		{[]string{"serve", "--turn", ":0", "--turn-tls", ":0"}, exitUsage, "--turn-tls needs serve's certificate"},
		{[]string{"serve", "--turn-public-ip", "1.2.3.4"}, exitUsage, "go with --turn ADDR"},
		{[]string{"serve", "--turn", ":0", "--turn-public-ip", "nope"}, exitUsage, `--turn-public-ip "nope"`},
		{[]string{"serve", "--turn", ":0", "--turn-relay-ports", "9-3"}, exitUsage, "--turn-relay-ports"},
		{[]string{"serve", "--turn", ":0", "--turn-bandwidth", "fast"}, exitUsage, "--turn-bandwidth"},
		{[]string{"serve", "--turn", ":0", "--turn-max-allocations", "0"}, exitUsage, "--turn-max-allocations"},
		{[]string{"serve", "--turn", ":0", "--turn-secret", "@/nonexistent/secret"}, exitError, "--turn-secret @FILE"},
		{[]string{"receive", "--out", "d", "--turn-secret", "s"}, exitUsage, "--turn-secret goes with --whep or --whip-listen"},
		{[]string{"receive", "--out", "d", "--whep", "http://h/whep", "--turn-url", "turn:h"}, exitUsage, "--turn-url does not go with --whep"},
		{[]string{"receive", "--out", "d", "--whip-listen", ":0", "--turn-url", "turn:h"}, exitUsage, "--turn-url needs --turn-secret"},
		{[]string{"receive", "--out", "-", "--format", "webm", "--track", "video"}, exitUsage, "--track"},
		{[]string{"receive", "--out", "d", "--format", "ivf"}, exitUsage, "want webm, mkv, mp4 or fmp4"},
		{[]string{"send", "--file", "-", "--format", "mp4"}, exitUsage, `--format "mp4"`},
		{[]string{"send", "--file", "-", "--format", "webm"}, exitUsage, `--format "webm": want ivf, ogg, h264 or auto`},
		{[]string{"send", "--file", "a.ivf", "--format", "ivf"}, exitUsage, "no --file is -"},
		{[]string{"send", "--file", "-", "--loop"}, exitUsage, "--loop cannot repeat standard input"},
		{[]string{"receive", "--out", "-", "--track", "foo"}, exitUsage, `--track "foo": want video or audio`},
		{[]string{"receive", "--out", "d", "--track", "video"}, exitUsage, "--track"},
		{[]string{"send", "--file", "a.ivf", "--whip", "http://h/whip", "--room", "r"}, exitUsage, "--room is for a room; --whip needs none"},
		{[]string{"send", "--file", "a.ivf", "--whip", "http://h/whip", "--whep-listen", ":0"}, exitUsage, "--whip and --whep-listen exclude each other"},
		{[]string{"send", "--file", "a.ivf", "--bearer", "t"}, exitUsage, "--bearer goes with --whip or --whep-listen"},
		{[]string{"send", "--file", "a.ivf", "--whip", "http://h/whip", "--tls-self-signed"}, exitUsage, "--tls-self-signed does not go with --whip"},
		{[]string{"send", "--file", "a.ivf", "--whip", "http://h/whip", "--reconnect-timeout", "1m"}, exitUsage, "--reconnect-timeout is for a room"},
		{[]string{"send", "--file", "a.ivf", "--whip", "ftp://h/whip"}, exitUsage, `--whip "ftp://h/whip": want http:// or https://`},
		{[]string{"send", "--file", "a.ivf", "--server", "ws://a/ws,wss://b/ws"}, exitUsage, "--server mixes ws:// servers (ws://a/ws) and wss:// ones (wss://b/ws)"},
		{[]string{"receive", "--out", "d", "--server", "ws://a/ws", "--server", "ws://b/ws", "--insecure"}, exitUsage, "--insecure is for wss:// servers; --server is ws://a/ws,ws://b/ws"},
		{[]string{"receive", "--out", "d", "--server", ","}, exitUsage, "--server: no server URL given"},
		{[]string{"send", "--file", "a.ivf", "--whip", "http://h/whip", "--server", "ws://a/ws,ws://b/ws"}, exitUsage, "--server is for a room; --whip needs none"},
		{[]string{"send", "--file", "a.ivf", "--whep-listen", ":0", "--max-sessions", "0"}, exitUsage, "--max-sessions must be at least 1"},
		{[]string{"receive", "--out", "d", "--whip-listen", ":0", "--no-trickle"}, exitUsage, "--no-trickle does not go with --whip-listen"},
		{[]string{"receive", "--out", "d", "--whip-listen", ":0", "--insecure"}, exitUsage, "--insecure does not go with --whip-listen"},
		{[]string{"receive", "--out", "d", "--whep", "http://h/whep", "--token", "t"}, exitUsage, "--token is for a room; --whep needs none"},
		{[]string{"receive", "--out", "d", "--whep", "http://h/whep", "--bearer", "@/nonexistent/bearer"}, exitError, "--bearer @FILE"},
		{[]string{"receive", "--out", "d", "--whep", "https://h/whep", "--ca", "/nonexistent.pem"}, exitUsage, "CA file"},
		{[]string{"receive", "--out", "d", "--whip-listen", "256.0.0.1:1"}, exitError, "WHIP endpoint"},
		{[]string{"token"}, exitUsage, "--secret and --room are required"},
		{[]string{"token", "--room", "r"}, exitUsage, "--secret is required"},
		{[]string{"token", "--secret", "s"}, exitUsage, "--room is required"},
		{[]string{"token", "--secret", "s", "--room", "r", "--ttl", "-1h"}, exitUsage, "--ttl -1h0m0s: want a positive duration"},
		{[]string{"token", "--secret", "s", "--room", "a room"}, exitUsage, `room "a room": a server refuses it`},
		{[]string{"token", "--secret", "s", "--room", "r", "--role", ""}, exitUsage, "no role"},
		{[]string{"token", "--secret", "s", "--room", "r", "--role", "king"}, exitUsage, "unknown role"},
	}
	for _, tc := range cases {
		code, _, stderr := runCLI(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.err) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, stderr, tc.code, tc.err)
		}
		if code != exitOK && strings.Count(stderr, "webrtc-cli: ") != 1 {
			t.Errorf("%v: error printed %d times: %q", tc.args, strings.Count(stderr, "webrtc-cli: "), stderr)
		}
	}
}

func TestTokenCommand(t *testing.T) {
	code, out, stderr := runCLI("token", "--secret", "s3", "--room", "demo", "--role", "sender", "--ttl", "1h")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	tok := strings.TrimSpace(out)
	if err := signal.VerifyToken([]byte("s3"), tok, "demo", signal.RoleSender, time.Now()); err != nil {
		t.Fatalf("minted token does not verify: %v", err)
	}
	if err := signal.VerifyToken([]byte("s3"), tok, "demo", signal.RoleReceiver, time.Now()); err == nil {
		t.Fatal("token admits a role it was not minted for")
	}
}

func TestServeConfig(t *testing.T) {
	g := &globalOptions{stderr: &bytes.Buffer{}}
	o := &serveOptions{addr: "127.0.0.1:0", roomSize: 4, maxConns: 9, maxMessage: 1024, rate: "5/7",
		resumeWindow: 0, iceServers: []string{"stun:s.example:3478"}, tlsSelfSigned: true, tokenSecret: "k"}
	cfg, err := o.config(g)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RoomSize != 4 || cfg.MaxConns != 9 || cfg.MaxMessage != 1024 || cfg.Rate != 5 || cfg.Burst != 7 ||
		!cfg.NoResume || len(cfg.ICEServers) != 1 || cfg.TLS == nil || string(cfg.TokenSecret) != "k" {
		t.Fatalf("config %+v", cfg)
	}
	if !strings.Contains(g.stderr.(*bytes.Buffer).String(), "SHA-256 fingerprint") {
		t.Fatal("self-signed fingerprint not printed")
	}
}

func TestDemoCommand(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr := runCLI("demo", "--dir", dir)
	if code != exitOK || !strings.Contains(out, "every frame identical") {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, stderr)
	}
}

func TestSendReceiveFlags(t *testing.T) {
	cases := []struct {
		args []string
		err  string
	}{
		{[]string{"send"}, "--file (or --device"},
		{[]string{"send", "--file", "a.ivf", "--device", "/dev/video0"}, "exclude each other"},
		{[]string{"receive"}, "--out is required"},
		{[]string{"send", "--file", "x.ivf", "--udp-ports", "9-1"}, "--udp-ports"},
		{[]string{"send", "--file", "x.ivf", "--ice-server", "nope"}, "--ice-server"},
		{[]string{"receive", "--out", "d", "--ca", "/nonexistent.pem"}, "--ca"},
		{[]string{"send", "--file", "x.ivf", "--simulate-loss", "2"}, "--simulate-loss"},
	}
	for _, tc := range cases {
		code, _, stderr := runCLI(tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.err) {
			t.Errorf("%v: exit %d, %q; want usage error %q", tc.args, code, stderr, tc.err)
		}
	}
	// A missing input file is a runtime error that names the file.
	code, _, stderr := runCLI("send", "--file", "/nonexistent.ivf")
	if code != exitError || !strings.Contains(stderr, "/nonexistent.ivf") {
		t.Errorf("missing file: exit %d, %q", code, stderr)
	}
}

func TestFlagSuggestions(t *testing.T) {
	cases := []struct {
		args []string
		want string // the whole error line
	}{
		{[]string{"send", "--fil", "x.ivf"}, "unknown flag: --fil (did you mean --file?); see 'webrtc-cli send --help'"},
		{[]string{"receive", "--outt", "d"}, "unknown flag: --outt (did you mean --out?); see 'webrtc-cli receive --help'"},
		// Inherited flags are candidates too.
		{[]string{"serve", "--log-levl", "debug"}, "unknown flag: --log-levl (did you mean --log-level?); see 'webrtc-cli serve --help'"},
		{[]string{"serve", "--bogus"}, "unknown flag: --bogus; see 'webrtc-cli serve --help'"},
		// Too short to be a typo of anything.
		{[]string{"serve", "--x"}, "unknown flag: --x; see 'webrtc-cli serve --help'"},
		{[]string{"serve", "-q"}, "unknown shorthand flag: 'q' in -q; see 'webrtc-cli serve --help'"},
	}
	for _, tc := range cases {
		code, _, stderr := runCLI(tc.args...)
		if code != exitUsage || !strings.Contains(stderr, "webrtc-cli: "+tc.want+"\n") {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.args, code, stderr, exitUsage, tc.want)
		}
		if strings.Count(stderr, "--help") != 1 {
			t.Errorf("%v: want exactly one pointer to help: %q", tc.args, stderr)
		}
	}
}

func TestLevenshtein(t *testing.T) {
	cases := []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"fil", "file", 1}, {"flie", "file", 2}, {"kitten", "sitting", 3}, {"", "ab", 2}}
	for _, tc := range cases {
		if d := levenshtein(tc.a, tc.b); d != tc.d {
			t.Errorf("levenshtein(%q, %q) = %d; want %d", tc.a, tc.b, d, tc.d)
		}
	}
}

func TestVersion(t *testing.T) {
	code1, out1, err1 := runCLI("version")
	code2, out2, err2 := runCLI("--version")
	if code1 != exitOK || code2 != exitOK {
		t.Fatalf("exit %d (%s), %d (%s)", code1, err1, code2, err2)
	}
	if out1 != out2 || !strings.HasPrefix(out1, "webrtc-cli ") || strings.TrimSpace(out1) == "webrtc-cli" ||
		strings.Count(out1, "\n") != 1 {
		t.Fatalf("version %q, --version %q; want the same non-empty line", out1, out2)
	}
}

func TestFormatBuildInfo(t *testing.T) {
	vcs := []debug.BuildSetting{
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-01-02T03:04:05Z"},
		{Key: "vcs.modified", Value: "true"},
	}
	cases := []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"module version", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}, Settings: vcs}, "v1.2.3"},
		{"vcs dirty", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs},
			"devel 0123456789ab+dirty 2026-01-02T03:04:05Z"},
		{"vcs clean", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "false"}}}, "devel abc"},
		{"nothing", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "devel"},
		{"no build info", nil, "devel"},
	}
	for _, tc := range cases {
		if got := formatBuildInfo(tc.bi); got != tc.want {
			t.Errorf("%s: %q; want %q", tc.name, got, tc.want)
		}
	}
}

// Every command's --help shows an example (cobra's completion
// subcommands carry theirs in their long text).
func TestEveryCommandHasExample(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Example == "" && !(c.HasParent() && c.Parent().Name() == "completion") && c.Name() != "help" {
			t.Errorf("%s has no example", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd(&globalOptions{}))
}

// A usage error points to the help of the command that was run.
func TestUsageErrorPointsToCommandHelp(t *testing.T) {
	code, _, stderr := runCLI("token", "--secret", "s")
	if code != exitUsage || !strings.HasSuffix(stderr, "Run 'webrtc-cli token --help' for usage.\n") {
		t.Fatalf("exit %d, %q", code, stderr)
	}
}
