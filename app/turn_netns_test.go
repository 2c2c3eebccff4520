package app

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// The TURN server inside serve, between network namespaces: the server's
// own namespace reaches the sender's and the receiver's, which do not
// reach each other.

// link joins namespaces a and b by a veth pair, a's end named devA with
// addrA (CIDR), b's devB with addrB.
func link(t *testing.T, a, b *netns, devA, addrA, devB, addrB string) {
	t.Helper()
	a.run(t, "-n", a.name, "link", "add", devA, "type", "veth", "peer", "name", devB, "netns", b.name)
	a.run(t, "-n", a.name, "addr", "add", addrA, "dev", devA)
	a.run(t, "-n", b.name, "addr", "add", addrB, "dev", devB)
	a.run(t, "-n", a.name, "link", "set", devA, "up")
	a.run(t, "-n", b.name, "link", "set", devB, "up")
}

// noForwarding makes sure ns routes nothing between its interfaces.
func (ns *netns) noForwarding(t *testing.T) {
	t.Helper()
	if out, err := ns.command("sh", "-c", "echo 0 > /proc/sys/net/ipv4/ip_forward").CombinedOutput(); err != nil {
		t.Fatalf("ip_forward=0 in %s: %v: %s", ns.name, err, out)
	}
}

// relayNets is serve in srv, reached from rx at 10.77.1.1 and from tx at
// 10.77.2.1; rx and tx have no route to each other unless direct.
type relayNets struct{ srv, rx, tx *netns }

func newRelayNets(t *testing.T, direct bool) relayNets {
	n := relayNets{srv: newNetns(t), rx: newNetns(t), tx: newNetns(t)}
	link(t, n.srv, n.rx, "srx", "10.77.1.1/24", "rx0", "10.77.1.2/24")
	link(t, n.srv, n.tx, "stx", "10.77.2.1/24", "tx0", "10.77.2.2/24")
	n.srv.noForwarding(t)
	if direct {
		link(t, n.rx, n.tx, "rtx", "10.77.9.1/24", "trx", "10.77.9.2/24")
	}
	return n
}

// relayedTransfer sends VP8 and Opus from tx to rx through serve --turn
// and returns the receiver's and the sender's reports.
func relayedTransfer(t *testing.T, n relayNets, cli string, sendFlags, recvFlags []string) (rx, tx *Report, out string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	srv := startProc(t, "serve --turn", n.srv.command(cli, "serve", "--addr", ":8080", "--turn", ":3478", "--log-level", "debug"))
	n.srv.waitListening(t, ctx, 8080, srv)
	n.srv.waitListening(t, ctx, 3478, srv)

	dir := t.TempDir()
	out = filepath.Join(dir, "rec")
	rxReport, txReport := filepath.Join(dir, "rx.json"), filepath.Join(dir, "tx.json")
	recv := startProc(t, "receive", n.rx.command(cli, append([]string{"receive", "--server", "ws://10.77.1.1:8080",
		"--room", "relay", "--name", "rx", "--out", out, "--count", "1", "--report", rxReport}, recvFlags...)...))
	recv.waitFor(t, ctx, "the receiver joining", contains("joined"))
	send := startProc(t, "send", n.tx.command(cli, append([]string{"send", "--server", "ws://10.77.2.1:8080",
		"--room", "relay", "--name", "tx", "--file", abs(t, testdata("vp8.ivf")), "--file", abs(t, testdata("opus-stereo.ogg")),
		"--receivers", "1", "--report", txReport}, sendFlags...)...))
	if err := send.wait(t, 60*time.Second); err != nil {
		t.Fatalf("send: %v\n%s", err, send.output())
	}
	if err := recv.wait(t, 30*time.Second); err != nil {
		t.Fatalf("receive: %v\n%s", err, recv.output())
	}
	return readReport(t, rxReport), readReport(t, txReport), out
}

func abs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func readReport(t *testing.T, path string) *Report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &r
}

// routeOf is the route every track of rep took; all must agree.
func routeOf(t *testing.T, rep *Report) string {
	t.Helper()
	if len(rep.Tracks) == 0 {
		t.Fatal("the report has no tracks")
	}
	var route string
	for _, tr := range rep.Tracks {
		if tr.Route == nil {
			t.Fatalf("track %s of %s has no route in the report", tr.Kind, tr.Peer)
		}
		if route != "" && tr.Route.String() != route {
			t.Fatalf("tracks of one call took two routes: %s and %s", route, tr.Route)
		}
		route = tr.Route.String()
	}
	return route
}

func cliBinary(t *testing.T) string {
	t.Helper()
	requireRoot(t)
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("needs sh")
	}
	return goBuild(t, t.TempDir(), "./cmd/webrtc-cli")
}

// No route between the peers: the call connects through serve's relay
// only, and the recording is frame-exact.
func TestTURNBetweenNamespaces(t *testing.T) {
	cli := cliBinary(t)
	n := newRelayNets(t, false)
	rx, tx, _ := relayedTransfer(t, n, cli, nil, nil)
	for name, rep := range map[string]*Report{"receive": rx, "send": tx} {
		route := routeOf(t, rep)
		t.Logf("%s: %s", name, route)
		if !rep.Tracks[0].Route.Relayed() {
			t.Errorf("%s: route %s is not through the relay", name, route)
		}
	}
	sameFrames(t, testdata("vp8.ivf"), findFile(t, rx, "tx", "video"))
	sameFrames(t, testdata("opus-stereo.ogg"), findFile(t, rx, "tx", "audio"))
}

// A direct path exists, but the sender takes relays only (--relay-only):
// its end of the route is a relay candidate.
func TestTURNRelayOnlyBesideADirectPath(t *testing.T) {
	cli := cliBinary(t)
	n := newRelayNets(t, true)
	rx, tx, _ := relayedTransfer(t, n, cli, []string{"--relay-only"}, nil)
	route := tx.Tracks[0].Route
	routeOf(t, tx)
	t.Logf("send: %s; receive: %s", route, routeOf(t, rx))
	if route.Local.Type != "relay" {
		t.Errorf("send --relay-only took %s, want a local relay candidate", route)
	}
	sameFrames(t, testdata("vp8.ivf"), findFile(t, rx, "tx", "video"))
	sameFrames(t, testdata("opus-stereo.ogg"), findFile(t, rx, "tx", "audio"))
}
