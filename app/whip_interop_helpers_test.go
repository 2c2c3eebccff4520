package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// What the interop tests (whip_interop_test.go) need around the programs
// they talk to: network namespaces, processes whose output can be waited
// on, a proxy that records the HTTP exchange, and builds.

// requireRoot skips a test that needs root (network namespaces) on a
// workstation and fails it in CI, where .ci/run runs as root.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatal("this test creates network namespaces and needs root, but CI is set")
	}
	t.Skip("needs root to create a network namespace; run it as root (set CI=1 to make this a failure)")
}

// netns is a network namespace of the test's own, deleted when it ends.
type netns struct {
	name string
	ip   string // the ip(8) binary
}

var netnsSeq atomic.Int32

// newNetns creates a namespace with only loopback, up.
func newNetns(t *testing.T) *netns {
	t.Helper()
	requireRoot(t)
	ns := &netns{name: fmt.Sprintf("webrtc-cli-%d-%d", os.Getpid(), netnsSeq.Add(1)), ip: mediatest.RequireTool(t, "ip")}
	if out, err := exec.Command(ns.ip, "netns", "add", ns.name).CombinedOutput(); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("cannot create a network namespace (%v): %s", err, out)
		}
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command(ns.ip, "netns", "del", ns.name).Run() })
	ns.run(t, "-n", ns.name, "link", "set", "lo", "up")
	return ns
}

// run runs ip with args, failing the test if it fails.
func (ns *netns) run(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command(ns.ip, args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %v: %v: %s", args, err, out)
	}
}

// lan gives the namespace an interface besides loopback, with addr
// (CIDR): ICE agents gather no candidates on loopback, pion's by default
// and libnice's always. Its traffic stays in the namespace.
func (ns *netns) lan(t *testing.T, addr string) {
	t.Helper()
	ns.run(t, "-n", ns.name, "link", "add", "wi0", "type", "veth", "peer", "name", "wi1")
	ns.run(t, "-n", ns.name, "addr", "add", addr, "dev", "wi0")
	ns.run(t, "-n", ns.name, "link", "set", "wi0", "up")
	ns.run(t, "-n", ns.name, "link", "set", "wi1", "up")
}

// linkToHost joins the namespace to the host's by a veth pair of its own
// /30 and returns the host's end's address and the namespace's.
func (ns *netns) linkToHost(t *testing.T) (host, inside string) {
	t.Helper()
	pid := os.Getpid()
	dev := fmt.Sprintf("wic%d", pid)
	base := fmt.Sprintf("10.213.%d.%d", (pid>>6)%256, pid%64*4)
	ip4 := net.ParseIP(base).To4()
	host = net.IPv4(ip4[0], ip4[1], ip4[2], ip4[3]+1).String()
	inside = net.IPv4(ip4[0], ip4[1], ip4[2], ip4[3]+2).String()
	ns.run(t, "link", "add", dev, "type", "veth", "peer", "name", "wi0", "netns", ns.name)
	t.Cleanup(func() { exec.Command(ns.ip, "link", "del", dev).Run() }) // gone with the namespace, normally
	ns.run(t, "addr", "add", host+"/30", "dev", dev)
	ns.run(t, "-n", ns.name, "addr", "add", inside+"/30", "dev", "wi0")
	ns.run(t, "link", "set", dev, "up")
	ns.run(t, "-n", ns.name, "link", "set", "wi0", "up")
	return host, inside
}

// command runs name in the namespace (ip netns exec execs it: the
// process is name's own).
func (ns *netns) command(name string, args ...string) *exec.Cmd {
	if ns == nil {
		return exec.Command(name, args...)
	}
	return exec.Command(ns.ip, append([]string{"netns", "exec", ns.name, name}, args...)...)
}

// waitListening waits until a TCP socket listens on port in the
// namespace, or the process p that should open it exits.
func (ns *netns) waitListening(t *testing.T, ctx context.Context, port int, p *proc) {
	t.Helper()
	ss := mediatest.RequireTool(t, "ss")
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		out, err := exec.Command(ss, "-N", ns.name, "-Hltn", fmt.Sprintf("sport = :%d", port)).Output()
		if err != nil {
			t.Fatalf("ss -N %s: %v", ns.name, err)
		}
		if len(bytes.TrimSpace(out)) > 0 {
			return
		}
		select {
		case <-tick.C:
		case <-p.done:
			t.Fatalf("%s exited (%v) before listening on port %d:\n%s", p.name, p.err, port, p.output())
		case <-ctx.Done():
			t.Fatalf("nothing listens on port %d in %s:\n%s", port, ns.name, p.output())
		}
	}
}

// proc is a process a test started, its output kept for the test to wait
// on. It is killed, if still running, when the test ends.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed once it has exited and its output is in
	err  error         // its exit status, once done

	mu      sync.Mutex
	out     []byte
	changed chan struct{} // closed and replaced on every write
}

func startProc(t testing.TB, name string, cmd *exec.Cmd) *proc {
	t.Helper()
	p := &proc{name: name, cmd: cmd, done: make(chan struct{}), changed: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p, p
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s (%v) printed:\n%s", name, cmd.Args, p.output())
		}
	})
	return p
}

func (p *proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.out = append(p.out, b...)
	close(p.changed)
	p.changed = make(chan struct{})
	return len(b), nil
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return string(p.out)
}

// waitFor waits until ok holds of the output so far. The process exiting
// first, or ctx ending, fails the test.
func (p *proc) waitFor(t testing.TB, ctx context.Context, what string, ok func(out string) bool) {
	t.Helper()
	for {
		p.mu.Lock()
		out, changed := string(p.out), p.changed
		p.mu.Unlock()
		if ok(out) {
			return
		}
		select {
		case <-changed:
		case <-p.done:
			if ok(p.output()) {
				return
			}
			t.Fatalf("%s exited (%v) before %s:\n%s", p.name, p.err, what, p.output())
		case <-ctx.Done():
			t.Fatalf("no %s from %s: %v\n%s", what, p.name, ctx.Err(), p.output())
		}
	}
}

// wait waits for the process to exit, at most d, and returns its exit
// status.
func (p *proc) wait(t *testing.T, d time.Duration) error {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-p.done:
		return p.err
	case <-timer.C:
		t.Fatalf("%s still running after %v:\n%s", p.name, d, p.output())
		return nil
	}
}

// exchange is a request through a recordingProxy and the status of its
// answer.
type exchange struct {
	method, path string
	status       int
	auth         string // the request's Authorization
	reqType      string // the request's Content-Type
	location     string // the answer's Location
}

func (e exchange) String() string {
	s := fmt.Sprintf("%s %s → %d", e.method, e.path, e.status)
	if e.location != "" {
		s += " Location: " + e.location
	}
	return s
}

// recordingProxy forwards HTTP to an endpoint and records each exchange:
// what a client nobody here wrote sent, and what it was answered.
type recordingProxy struct {
	url string // the proxy's, to give the client
	srv *http.Server
	tr  *http.Transport

	mu  sync.Mutex
	log []exchange
}

// startRecordingProxy listens on listen (host:port) and forwards to the
// scheme and host of target.
func startRecordingProxy(t *testing.T, listen, target string) *recordingProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		t.Fatal(err)
	}
	p := &recordingProxy{url: "http://" + ln.Addr().String(), tr: &http.Transport{}}
	rp := &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(&url.URL{Scheme: u.Scheme, Host: u.Host}) },
		Transport: p.tr,
		ErrorLog:  log.New(io.Discard, "", 0), // a failed forward is a 502 in the record
	}
	p.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		rp.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		p.mu.Lock()
		p.log = append(p.log, exchange{method: r.Method, path: r.URL.Path, status: sw.status,
			auth: r.Header.Get("Authorization"), reqType: r.Header.Get("Content-Type"), location: sw.Header().Get("Location")})
		p.mu.Unlock()
	})}
	served := make(chan struct{})
	go func() {
		defer close(served)
		p.srv.Serve(ln)
	}()
	t.Cleanup(func() {
		p.close()
		<-served
	})
	return p
}

// close stops the proxy once the requests in progress are answered.
func (p *recordingProxy) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p.srv.Shutdown(ctx)
	p.tr.CloseIdleConnections()
}

// exchanges closes the proxy, so that every request has been recorded,
// and returns them in the order they were answered.
func (p *recordingProxy) exchanges() []exchange {
	p.close()
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]exchange(nil), p.log...)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// goBuild builds a main package with the module's build list, so at the
// versions go.mod requires, into dir and returns the binary.
func goBuild(t testing.TB, dir, pkg string) string {
	t.Helper()
	gobin := mediatest.RequireTool(t, "go")
	out := filepath.Join(dir, path.Base(pkg))
	cmd := exec.Command(gobin, "build", "-o", out, pkg)
	cmd.Dir = filepath.Dir(mediatest.Testdata("")) // the module's root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// gupnpStubC stands in for libgupnp-igd-1.0.so.4. Debian 12's whip-client
// (simple-whip-client 0.0~git20230131-1) is linked with libsoup 2.4, and
// libnice 0.1.21 with libgupnp-igd, which pulls in libgupnp 1.6 and so
// libsoup 3. libsoup 3 aborts a process that has both ("libsoup2 symbols
// detected. Using libsoup2 and libsoup3 in the same process is not
// supported.", SIGTRAP) as soon as webrtcbin loads the nice plugin: the
// packaged client cannot publish at all (meetecho/simple-whip-client
// issues 13, 20, 23). libnice uses libgupnp-igd only to map ports by UPnP
// and does without when gupnp_simple_igd_thread_new gives NULL; what the
// test checks, WebRTC and WHIP, is all the packaged client's.
const gupnpStubC = `
void *gupnp_simple_igd_thread_new(void) { return 0; }
unsigned long gupnp_simple_igd_get_type(void) { return 0; }
void gupnp_simple_igd_add_port(void) {}
void gupnp_simple_igd_remove_port_local(void) {}
`

// gupnpStub builds gupnpStubC and returns the directory to put in
// LD_LIBRARY_PATH.
func gupnpStub(t *testing.T) string {
	t.Helper()
	gcc := mediatest.RequireTool(t, "gcc")
	dir := t.TempDir()
	src := filepath.Join(dir, "gupnp-igd-stub.c")
	if err := os.WriteFile(src, []byte(gupnpStubC), 0o644); err != nil {
		t.Fatal(err)
	}
	lib := "libgupnp-igd-1.0.so.4"
	if out, err := exec.Command(gcc, "-shared", "-fPIC", "-Wl,-soname,"+lib, "-o", filepath.Join(dir, lib), src).CombinedOutput(); err != nil {
		t.Fatalf("building the libgupnp-igd stand-in: %v\n%s", err, out)
	}
	return dir
}
