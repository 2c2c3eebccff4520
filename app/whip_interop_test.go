package app

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// Interop with WebRTC implementations nobody here wrote: Debian's
// simple-whip-client (GStreamer's webrtcbin and libnice) publishing into
// our WHIP endpoint, and pion's examples/whip-whep server between
// send --whip and receive --whep.

// GStreamer pipelines for whip-client, as its README gives them, and
// H.264 from x264.
const (
	gstVP8  = "videotestsrc is-live=true pattern=ball ! videoconvert ! queue ! vp8enc deadline=1 ! rtpvp8pay pt=96 ssrc=2 ! queue ! application/x-rtp,media=video,encoding-name=VP8,payload=96"
	gstH264 = "videotestsrc is-live=true pattern=ball ! videoconvert ! queue ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 ! video/x-h264,profile=constrained-baseline ! rtph264pay pt=96 ssrc=2 config-interval=-1 ! queue ! application/x-rtp,media=video,encoding-name=H264,payload=96"
	gstOpus = "audiotestsrc is-live=true wave=red-noise ! audioconvert ! audioresample ! queue ! opusenc ! rtpopuspay pt=100 ssrc=1 ! queue ! application/x-rtp,media=audio,encoding-name=OPUS,payload=100"
)

// clientSite is where whip-client runs. As root: in a network namespace
// of the test's own, joined to the host by a veth pair, so that its
// media goes nowhere else (libnice offers no loopback candidates: it
// needs a link). Otherwise on the host, where its candidates are the
// host's own addresses.
type clientSite struct {
	ns   *netns // nil: the host
	host string // the address the client reaches the test at
}

func newClientSite(t *testing.T) clientSite {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Log("not root: whip-client runs on the host and connects over the host's own addresses")
		return clientSite{host: "127.0.0.1"}
	}
	ns := newNetns(t)
	host, _ := ns.linkToHost(t)
	return clientSite{ns: ns, host: host}
}

// Debian's whip-client publishes a test pattern (and audio) into
// ReceiveConfig.WHIP's endpoint, the code of receive --whip-listen: the
// session is created (201), trickled (PATCH, unless -n) and DELETEd on
// SIGINT, which ends a receive with Count 1 at once, its files complete
// and decodable.
func TestWHIPInteropSimpleWHIPClient(t *testing.T) {
	if _, err := exec.LookPath("whip-client"); err != nil {
		t.Log("whip-client is in Debian's simple-whip-client package")
	}
	client := mediatest.RequireTool(t, "whip-client")
	requireTool(t, "ffprobe")
	requireTool(t, "ffmpeg")
	stub := gupnpStub(t)
	site := newClientSite(t)
	cases := []struct {
		name      string
		video     string
		audio     bool
		noTrickle bool
		codec     string // ffprobe's name of the video codec
	}{
		{name: "vp8+opus", video: gstVP8, audio: true, codec: "vp8"},
		{name: "h264+opus", video: gstH264, audio: true, codec: "h264"},
		{name: "vp8+opus/no-trickle", video: gstVP8, audio: true, noTrickle: true, codec: "vp8"},
		// One medium: webrtcbin offers it without a BUNDLE group.
		{name: "vp8-only", video: gstVP8, codec: "vp8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			const token, stream = "interop-token", "gst"
			const minFrames = 150 // video and audio, about 2 s
			w, urls := listening()
			w.Bearer = token
			enough := make(chan struct{})
			var once sync.Once
			rep := receiveAsync(ctx, ReceiveConfig{WHIP: w, Out: t.TempDir(), Count: 1, Logger: testLogger(t),
				Progress: func(s ReceiveStatus) {
					if s.Frames >= minFrames {
						once.Do(func() { close(enough) })
					}
				}})
			t.Cleanup(func() { cancel(); <-rep.done }) // on a failure too
			proxy := startRecordingProxy(t, net.JoinHostPort(site.host, "0"), within(t, urls, "the WHIP endpoint"))

			args := []string{"-u", proxy.url + "/whip/" + stream, "-t", token, "-l", "5", "-o", "-V", c.video}
			if c.audio {
				args = append(args, "-A", gstOpus)
			}
			if c.noTrickle {
				args = append(args, "-n")
			}
			cmd := site.ns.command(client, args...)
			cmd.Env = append(os.Environ(), "LD_LIBRARY_PATH="+stub)
			wc := startProc(t, "whip-client", cmd)
			select {
			case <-enough:
			case <-wc.done:
				t.Fatalf("whip-client exited (%v) before %d frames were recorded; HTTP: %v", wc.err, minFrames, proxy.exchanges())
			case <-rep.done:
				t.Fatalf("the receive ended (%v) before %d frames were recorded; HTTP: %v", rep.err, minFrames, proxy.exchanges())
			case <-ctx.Done():
				t.Fatalf("not %d frames recorded in time; HTTP: %v", minFrames, proxy.exchanges())
			}

			// Stopped, the client closes its connection and DELETEs the
			// session: either ends the call.
			wc.cmd.Process.Signal(os.Interrupt)
			if err := wc.wait(t, 15*time.Second); err != nil {
				t.Errorf("whip-client, interrupted: %v", err)
			}
			timer := time.NewTimer(3 * time.Second) // an unnoticed end would take ICE's 5 s
			select {
			case <-rep.done:
			case <-timer.C:
				t.Fatalf("receive --count 1 still running 3 s after whip-client ended; HTTP: %v", proxy.exchanges())
			}
			timer.Stop()
			r := rep.wait(t)

			checkWHIPExchange(t, proxy.exchanges(), token, !c.noTrickle)

			want := 1
			if c.audio {
				want = 2
			}
			if len(r.Tracks) != want {
				t.Errorf("%d tracks recorded, want %d: %+v", len(r.Tracks), want, r.Tracks)
			}
			for _, tr := range r.Tracks {
				if !tr.Complete || tr.Incomplete != "" {
					t.Errorf("%s track not complete: %q", tr.Kind, tr.Incomplete)
				}
			}
			video := findFile(t, r, stream, "video")
			if n := decoded(t, video, c.codec); n < 30 {
				t.Errorf("%s: ffprobe decodes %d frames, want at least 30", video, n)
			}
			ffprobeClean(t, video)
			if c.audio {
				audio := findFile(t, r, stream, "audio")
				if n := decoded(t, audio, "opus"); n < 50 {
					t.Errorf("%s: ffprobe decodes %d frames, want at least 50", audio, n)
				}
				ffprobeClean(t, audio)
			}
		})
	}
}

// checkWHIPExchange checks what whip-client asked and was answered: a
// POST answered 201 with the session's Location, PATCHes of that session
// answered 204 if it trickled (none if not), one DELETE of it answered
// 200, every request with the token.
func checkWHIPExchange(t *testing.T, ex []exchange, token string, trickled bool) {
	t.Helper()
	t.Logf("HTTP: %v", ex)
	if len(ex) == 0 || ex[0].method != http.MethodPost || ex[0].status != http.StatusCreated || ex[0].location == "" {
		t.Fatalf("the first request is not a POST answered 201 with a Location: %v", ex)
	}
	if ex[0].reqType != "application/sdp" {
		t.Errorf("POST with Content-Type %q", ex[0].reqType)
	}
	loc, err := url.Parse(ex[0].location)
	if err != nil {
		t.Fatal(err)
	}
	var patches, deletes []exchange
	for _, e := range ex {
		if e.auth != "Bearer "+token {
			t.Errorf("%v: Authorization %q", e, e.auth)
		}
		switch {
		case e.method == http.MethodPatch && e.path == loc.Path:
			patches = append(patches, e)
		case e.method == http.MethodDelete && e.path == loc.Path:
			deletes = append(deletes, e)
		case e.method != http.MethodPost || e != ex[0]:
			t.Errorf("unexpected request %v", e)
		}
	}
	switch {
	case trickled && len(patches) == 0:
		t.Error("whip-client trickles, but no PATCH arrived")
	case !trickled && len(patches) > 0:
		t.Errorf("whip-client -n sent PATCHes: %v", patches)
	}
	for _, e := range patches {
		if e.status != http.StatusNoContent {
			t.Errorf("%v, want 204", e)
		}
	}
	if len(deletes) != 1 {
		t.Fatalf("%d DELETEs of the session, want 1: %v", len(deletes), ex)
	}
	// A receive with Count 1 that the client's closing connection ended
	// still answers the DELETE that follows (it serves on for a second).
	if d := deletes[0]; d.status != http.StatusOK {
		t.Errorf("%v, want 200", d)
	}
}

// decoded is how many frames ffmpeg decodes from a file's first stream,
// which must be in codec.
func decoded(t *testing.T, path, codec string) int {
	t.Helper()
	var probe struct {
		Streams []struct {
			CodecName    string `json:"codec_name"`
			NbReadFrames string `json:"nb_read_frames"`
		} `json:"streams"`
	}
	mediatest.FFprobe(t, path, &probe, "-count_frames", "-show_entries", "stream=codec_name,nb_read_frames")
	if len(probe.Streams) == 0 {
		t.Fatalf("%s: ffprobe finds no stream", path)
	}
	s := probe.Streams[0]
	if s.CodecName != codec {
		t.Errorf("%s: codec %s, want %s", path, s.CodecName, codec)
	}
	n, _ := strconv.Atoi(s.NbReadFrames)
	return n
}

// progressFrames is the frame count of receive's progress lines.
var progressFrames = regexp.MustCompile(`msg=progress status="recording \d+ tracks, done \d+ \| (\d+) frames`)

// framesAtLeast holds once receive's last progress line counts n frames.
func framesAtLeast(n int) func(string) bool {
	return func(out string) bool {
		m := progressFrames.FindAllStringSubmatch(out, -1)
		if len(m) == 0 {
			return false
		}
		got, _ := strconv.Atoi(m[len(m)-1][1])
		return got >= n
	}
}

func contains(s string) func(string) bool {
	return func(out string) bool { return strings.Contains(out, s) }
}

// pion's examples/whip-whep, at the version go.mod requires, in a network
// namespace (it listens on :8080): send --whip publishes H.264 and Opus
// to it, and receive --whep, watching since before, records them frame
// for frame. The server has no sessions (its Location is the endpoint):
// the clients send it no PATCH and no DELETE. It never ends a WHEP
// session: when it dies, receive --whep must end within 10 s.
func TestWHIPInteropPionWHIPWHEP(t *testing.T) {
	requireRoot(t)
	requireTool(t, "ffprobe")
	requireTool(t, "ffmpeg")
	bin := t.TempDir()
	cli := goBuild(t, bin, "./cmd/webrtc-cli")
	server := goBuild(t, bin, "github.com/pion/webrtc/v4/examples/whip-whep")
	video, err := filepath.Abs(testdata("h264.h264")) // what the example forwards: H.264 and Opus
	if err != nil {
		t.Fatal(err)
	}
	audio, err := filepath.Abs(testdata("opus-stereo.ogg"))
	if err != nil {
		t.Fatal(err)
	}
	_, vs := samplesOf(t, video)
	_, as := samplesOf(t, audio)
	total := len(vs) + len(as)

	for _, noTrickle := range []bool{false, true} {
		name, flags := "trickle", []string(nil)
		if noTrickle {
			name, flags = "no-trickle", []string{"--no-trickle"}
		}
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			ns := newNetns(t)
			ns.lan(t, "10.0.0.1/24") // pion's example gathers no loopback candidates
			cmd := ns.command(server)
			cmd.Dir = t.TempDir() // it serves its directory's files
			srv := startProc(t, "whip-whep", cmd)
			ns.waitListening(t, ctx, 8080, srv)

			out := t.TempDir()
			recv := startProc(t, "receive --whep", ns.command(cli, append([]string{"receive",
				"--whep", "http://127.0.0.1:8080/whep", "--out", out, "--duration", "50s"}, flags...)...))
			// Watching before anything is published, it gets every frame.
			recv.waitFor(t, ctx, "connection", contains("msg=connected"))
			send := startProc(t, "send --whip", ns.command(cli, append([]string{"send",
				"--whip", "http://127.0.0.1:8080/whip", "--file", video, "--file", audio}, flags...)...))
			if err := send.wait(t, 30*time.Second); err != nil {
				t.Fatalf("send --whip: %v\n%s", err, send.output())
			}
			recv.waitFor(t, ctx, fmt.Sprintf("progress with %d frames", total), framesAtLeast(total))

			// The server ends its sessions only by dying.
			killed := time.Now()
			srv.cmd.Process.Signal(syscall.SIGTERM)
			srv.wait(t, 5*time.Second)
			err := recv.wait(t, 30*time.Second)
			took := time.Since(killed)
			t.Logf("receive --whep ended %v after the server was killed", took.Round(time.Millisecond))
			if err != nil {
				t.Errorf("receive --whep: %v", err)
			}
			if took > 10*time.Second {
				t.Errorf("receive --whep ended %v after the server, want within 10 s", took.Round(time.Millisecond))
			}

			dirs, _ := filepath.Glob(filepath.Join(out, "*"))
			if len(dirs) != 1 {
				t.Fatalf("recordings: %v, want one sender's folder", dirs)
			}
			gotVideo, gotAudio := filepath.Join(dirs[0], "video.h264"), filepath.Join(dirs[0], "audio.ogg")
			sameFrames(t, video, gotVideo)
			ffprobeClean(t, gotVideo)
			sameFrames(t, audio, gotAudio)

			log := srv.output()
			for _, req := range []string{"/whep, method = POST", "/whip, method = POST"} {
				if !strings.Contains(log, "Request to "+req) {
					t.Errorf("the server saw no %s:\n%s", req, log)
				}
			}
			// Its Location is the endpoint itself: no session resource,
			// so no PATCH or DELETE (its offer handler would take them
			// for offers and panic), and nothing to warn about.
			for _, m := range []string{"PATCH", "DELETE"} {
				if n := strings.Count(log, "method = "+m); n > 0 {
					t.Errorf("the server saw %d %ss; its Location is the endpoint", n, m)
				}
			}
			for name, p := range map[string]interface{ output() string }{"send": send, "receive": recv} {
				if w := warnings(p.output()); len(w) > 0 {
					t.Errorf("%s warned: %q", name, w)
				}
			}
		})
	}
}

// warnings are a process's log lines at level WARN or ERROR.
func warnings(out string) []string {
	var w []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") {
			w = append(w, l)
		}
	}
	return w
}
