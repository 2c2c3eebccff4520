package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// This file drives headless Chromium against the embedded web page
// (signal/web) from Go: a server serving the page, a browser per test, a
// tab per page, and the page's state read from window.webrtcCli.

func requireChromium(t *testing.T) string { return mediatest.RequireChromium(t) }

// pageServer is a signaling server that serves the embedded page.
type pageServer struct {
	base string      // http(s)://127.0.0.1:port
	ws   string      // ws(s)://127.0.0.1:port/ws
	tls  *tls.Config // for Go clients of a TLS server
}

// startPageServer runs a server with the page; withTLS serves HTTPS and
// WSS with a self-signed certificate.
func startPageServer(t *testing.T, cfg signal.ServerConfig, withTLS bool) pageServer {
	t.Helper()
	cfg.Page = signal.Page()
	cfg.Logger = testLogger(t)
	if !withTLS {
		hs := serveHTTP(t, signal.NewServer(cfg))
		return pageServer{base: hs.URL, ws: wsURL(hs.URL)}
	}
	cert, _, err := signal.SelfSigned([]string{"127.0.0.1", "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	cfg.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- signal.NewServer(cfg).Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("TLS server: %v", err)
		}
	})
	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	host := ln.Addr().String()
	return pageServer{base: "https://" + host, ws: "wss://" + host + "/ws", tls: &tls.Config{RootCAs: pool}}
}

// client is the signaling config for a Go peer of the server.
func (s pageServer) client(room, name string) signal.ClientConfig {
	return signal.ClientConfig{URL: s.ws, Room: room, Name: name, TLS: s.tls}
}

// pageURL links to the page with query parameters (room, name, mode, ...).
func (s pageServer) pageURL(q map[string]string) string {
	v := url.Values{}
	for k, val := range q {
		v.Set(k, val)
	}
	return s.base + "/?" + v.Encode()
}

// browser is one headless Chromium for a test.
type browser struct {
	ctx      context.Context // the browser's first tab; new tabs derive from it
	deadline context.Context // the test's

	mu    sync.Mutex
	pages []*page
}

// newBrowser starts Chromium with fake media devices; it is stopped when
// the test ends. Waits on its pages end at deadline (the test's), but the
// browser outlives it on purpose, so that a test that ran out of time still
// gets its screenshots; every call into a page has a timeout of its own. A failed test leaves a screenshot and
// the console log of every page it opened under a temporary directory.
func newBrowser(t *testing.T, deadline context.Context, insecureTLS bool) *browser {
	t.Helper()
	exe := requireChromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("mute-audio", true), // the page may play sound; tests should not
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("allow-loopback-in-peer-connection", true),
		chromedp.Flag("disable-features", "WebRtcHideLocalIpsWithMdns"),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// Pages in tabs that are not in front must not be throttled: two
		// pages of a test run side by side.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.WindowSize(1000, 800),
		// chromedp gives the browser a fresh --user-data-dir and removes
		// it (and any process left using it) when the browser stops.
	}
	if insecureTLS {
		opts = append(opts, chromedp.IgnoreCertErrors)
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil { // starts the browser
		bcancel()
		acancel()
		t.Fatalf("starting Chromium (%s): %v", exe, err)
	}
	b := &browser{ctx: bctx, deadline: deadline}
	t.Cleanup(func() {
		// A graceful close first; acancel kills what is left.
		cctx, cancel := context.WithTimeout(bctx, 5*time.Second)
		defer cancel()
		chromedp.Cancel(cctx)
		bcancel()
		acancel()
	})
	return b
}

// page is one tab of the browser showing the web page.
type page struct {
	t    *testing.T
	b    *browser
	name string
	ctx  context.Context

	mu      sync.Mutex
	console []string
	saved   string // where the artifacts went, once saved
}

// open loads url in a new tab. The tab closes when t ends; if t failed,
// its screenshot and console log are saved first.
func (b *browser) open(t *testing.T, name, url string) *page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	p := &page{t: t, b: b, name: name, ctx: ctx}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.console = append(p.console, fmt.Sprintf("%s %s", m.Time.Format("15:04:05.000"), m))
			p.mu.Unlock()
		}
	}()
	b.mu.Lock()
	b.pages = append(b.pages, p)
	b.mu.Unlock()
	t.Cleanup(func() {
		if t.Failed() {
			if dir := p.saveArtifacts(); dir != "" {
				t.Logf("page %s: screenshot and console log in %s", name, dir)
			}
		}
		b.mu.Lock()
		b.pages = slices.DeleteFunc(b.pages, func(q *page) bool { return q == p })
		b.mu.Unlock()
		cancel()
	})
	nctx, ncancel := context.WithTimeout(ctx, 10*time.Second)
	defer ncancel()
	if err := chromedp.Do(nctx, chromedp.Navigate(url)); err != nil {
		p.fatalf("loading %s: %v", url, err)
	}
	return p
}

// fatalf fails the test after saving every page's screenshot and console
// log, and names the directory in the message.
func (p *page) fatalf(format string, args ...any) {
	p.t.Helper()
	msg := fmt.Sprintf(format, args...)
	var dirs []string
	p.b.mu.Lock()
	pages := slices.Clone(p.b.pages) // p and the other open tabs
	p.b.mu.Unlock()
	for _, q := range pages {
		if dir := q.saveArtifacts(); dir != "" {
			dirs = append(dirs, dir)
		}
	}
	p.t.Fatalf("page %s: %s\n(screenshots, console logs and page state: %s)", p.name, msg, strings.Join(dirs, ", "))
}

// saveArtifacts writes the page's screenshot, console log and state into a
// new temporary directory (one per page, kept after the test) and returns
// it.
func (p *page) saveArtifacts() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.saved != "" {
		return p.saved
	}
	safe := strings.NewReplacer("/", "_", " ", "_").Replace(p.t.Name() + "-" + p.name)
	dir, err := os.MkdirTemp("", "webrtc-cli-"+safe+"-")
	if err != nil {
		return ""
	}
	p.saved = dir
	tab, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	if png, err := chromedp.Run(tab, chromedp.CaptureScreenshot()); err == nil {
		os.WriteFile(filepath.Join(dir, "screenshot.png"), png, 0o644)
	}
	if state, err := chromedp.Run(tab, chromedp.Evaluate[string](`JSON.stringify(window.webrtcCli && webrtcCli.snapshot(), null, 1)`)); err == nil {
		os.WriteFile(filepath.Join(dir, "state.json"), []byte(state), 0o644)
	}
	os.WriteFile(filepath.Join(dir, "console.log"), []byte(strings.Join(p.console, "\n")+"\n"), 0o644)
	return dir
}

// eval runs a JavaScript expression in the page (awaiting a promise) and
// returns its result as JSON.
func (p *page) eval(expr string) (string, error) {
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[string](
		`(async () => JSON.stringify((await (`+expr+`)) ?? null))()`, chromedp.EvalAwaitPromise))
}

func (p *page) snapshot() pageState {
	p.t.Helper()
	raw, err := p.eval(`window.webrtcCli ? webrtcCli.snapshot() : null`)
	if err != nil {
		p.fatalf("reading window.webrtcCli: %v", err)
	}
	var s pageState
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		p.fatalf("decoding the page state: %v", err)
	}
	return s
}

// waitFor polls the page's state until cond holds, for at most timeout (and
// never past the test's context).
func (p *page) waitFor(what string, timeout time.Duration, cond func(pageState) bool) pageState {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	poll := time.NewTicker(100 * time.Millisecond)
	defer poll.Stop()
	for {
		s := p.snapshot()
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			p.fatalf("timed out after %v waiting for %s; state %s, peers: %s", timeout, what, s.State, s.describePeers())
		}
		select {
		case <-poll.C:
		case <-p.b.deadline.Done():
			p.fatalf("the test's deadline passed while waiting for %s; state %s, peers: %s", what, s.State, s.describePeers())
		case <-p.ctx.Done():
			p.fatalf("waiting for %s: %v", what, context.Cause(p.ctx))
		}
	}
}

// call runs a webrtcCli method (join, leave) and waits for its promise.
func (p *page) call(expr string) {
	p.t.Helper()
	if _, err := p.eval(expr); err != nil {
		p.fatalf("%s: %v", expr, err)
	}
}

// pageState is webrtcCli.snapshot() (signal/web/app.js).
type pageState struct {
	State      string             `json:"state"`
	Error      string             `json:"error"`
	ID         string             `json:"id"`
	Room       string             `json:"room"`
	Name       string             `json:"name"`
	Mode       string             `json:"mode"`
	Role       string             `json:"role"`
	Resumed    bool               `json:"resumed"`
	ICEServers []signal.ICEServer `json:"iceServers"`
	Local      []struct {
		Kind     string `json:"kind"`
		Label    string `json:"label"`
		State    string `json:"state"`
		Settings struct {
			Width     float64 `json:"width"`
			Height    float64 `json:"height"`
			FrameRate float64 `json:"frameRate"`
		} `json:"settings"`
	} `json:"local"`
	Peers []peerState `json:"peers"`
	Log   []string    `json:"log"`
}

type peerState struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Role        string   `json:"role"`
	Generation  int      `json:"generation"`
	Offerer     bool     `json:"offerer"`
	Connection  string   `json:"connection"`
	ICE         string   `json:"ice"`
	Ended       bool     `json:"ended"`
	EndReason   string   `json:"endReason"`
	StartedAt   float64  `json:"startedAt"` // ms since the epoch
	ConnectedAt float64  `json:"connectedAt"`
	EndedAt     float64  `json:"endedAt"`
	Tracks      []string `json:"tracks"`
	Candidates  struct {
		Sent        int  `json:"sent"`
		SentEnd     bool `json:"sentEnd"`
		Received    int  `json:"received"`
		ReceivedEnd bool `json:"receivedEnd"`
		Refused     int  `json:"refused"`
	} `json:"candidates"`
	Muted              bool       `json:"muted"`
	JitterBufferTarget []*float64 `json:"jitterBufferTarget"` // per receiver, ms
	ICEServers         []struct {
		URLs any `json:"urls"` // a string or a list, as the browser reports it
	} `json:"iceServers"`
	Stats *struct {
		In   map[string]*streamStats `json:"in"`
		Out  map[string]*streamStats `json:"out"`
		Pair *struct {
			RTT    float64 `json:"rtt"`
			Local  string  `json:"local"`
			Remote string  `json:"remote"`
		} `json:"pair"`
	} `json:"stats"`
	Pixels struct {
		Last    float64 `json:"last"`
		Max     float64 `json:"max"`
		Samples int     `json:"samples"`
	} `json:"pixels"`
}

type streamStats struct {
	Codec                string  `json:"codec"`
	Bytes                float64 `json:"bytes"`
	Packets              float64 `json:"packets"`
	PacketsLost          float64 `json:"packetsLost"`
	Loss                 float64 `json:"loss"`
	Bitrate              float64 `json:"bitrate"`
	NackCount            float64 `json:"nackCount"`
	PLICount             float64 `json:"pliCount"`
	Width                float64 `json:"width"`
	Height               float64 `json:"height"`
	FPS                  float64 `json:"fps"`
	FramesReceived       float64 `json:"framesReceived"`
	FramesDecoded        float64 `json:"framesDecoded"`
	KeyFramesDecoded     float64 `json:"keyFramesDecoded"`
	FramesDropped        float64 `json:"framesDropped"`
	FreezeCount          float64 `json:"freezeCount"`
	FramesEncoded        float64 `json:"framesEncoded"`
	FramesSent           float64 `json:"framesSent"`
	QualityLimitation    string  `json:"qualityLimitation"`
	Encoder              string  `json:"encoder"`
	TotalSamplesReceived float64 `json:"totalSamplesReceived"`
	ConcealedSamples     float64 `json:"concealedSamples"`
	JitterBufferMs       float64 `json:"jitterBufferMs"`
}

// peer finds the latest call with the peer named name.
func (s pageState) peer(name string) *peerState {
	var found *peerState
	for i := range s.Peers {
		if p := &s.Peers[i]; p.Name == name && (found == nil || p.Generation > found.Generation) {
			found = p
		}
	}
	return found
}

// in and out are the stats of one direction and kind, zero when absent.
func (p *peerState) in(kind string) streamStats  { return p.stream(false, kind) }
func (p *peerState) out(kind string) streamStats { return p.stream(true, kind) }

func (p *peerState) stream(out bool, kind string) streamStats {
	if p == nil || p.Stats == nil {
		return streamStats{}
	}
	m := p.Stats.In
	if out {
		m = p.Stats.Out
	}
	if s := m[kind]; s != nil {
		return *s
	}
	return streamStats{}
}

func (s pageState) describePeers() string {
	if len(s.Peers) == 0 {
		return "none"
	}
	var b strings.Builder
	for _, p := range s.Peers {
		v, a := p.in("video"), p.in("audio")
		ov := p.out("video")
		fmt.Fprintf(&b, "[%s gen %d %s ended=%v(%s) in: %s %vx%v %v decoded, audio %v samples; out: %s %v sent; pixels max %.0f] ",
			p.Name, p.Generation, p.Connection, p.Ended, p.EndReason, v.Codec, v.Width, v.Height, v.FramesDecoded,
			a.TotalSamplesReceived, ov.Codec, ov.FramesSent, p.Pixels.Max)
	}
	return b.String()
}

// testContext is the deadline of one browser test.
func testContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
