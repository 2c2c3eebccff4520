package app

import (
	"context"
	"encoding/json"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// The page's WHIP and WHEP modes against the app's endpoints. The page
// comes from a signaling server and the endpoint listens on another port,
// so every request is cross-origin: the preflights, the exposed Location
// and ETag, and the Authorization header go through CORS.
func TestBrowserWHIP(t *testing.T) {
	requireTool(t, "ffmpeg")
	ctx := testContext(t, 90*time.Second)
	srv := startPageServer(t, signal.ServerConfig{}, false)
	b := newBrowser(t, ctx, false)
	t.Run("publish", func(t *testing.T) { browserPublishesWHIP(t, ctx, srv, b) })
	t.Run("watch", func(t *testing.T) { browserWatchesWHEP(t, ctx, srv, b) })
}

// sessionState is webrtcCli.snapshot().session (signal/web/whip.js).
type sessionState struct {
	Kind     string `json:"kind"`
	URL      string `json:"url"`
	Location string `json:"location"`
	Status   int    `json:"status"`
	Trickles bool   `json:"trickles"`
	Offered  int    `json:"offered"`
	Patches  struct {
		Sent       int `json:"sent"`
		Candidates int `json:"candidates"`
		Failed     int `json:"failed"`
	} `json:"patches"`
	Stopped bool `json:"stopped"`
	Deleted int  `json:"deleted"`
}

func (p *page) session() sessionState {
	p.t.Helper()
	raw, err := p.eval(`webrtcCli.snapshot().session`)
	var s sessionState
	if err == nil {
		err = json.Unmarshal([]byte(raw), &s)
	}
	if err != nil {
		p.fatalf("reading the page's session: %v", err)
	}
	return s
}

// awaitResult receives from ch, failing the test with the page's artifacts
// when ctx ends first.
func awaitResult[T any](p *page, ctx context.Context, ch <-chan T, what string) T {
	p.t.Helper()
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		p.fatalf("no %s: %v; page peers: %s", what, context.Cause(ctx), p.snapshot().describePeers())
	}
	var zero T
	return zero
}

// endpointURL waits for the endpoint's URL and checks it is another
// origin than the page's.
func endpointURL(t *testing.T, srv pageServer, urls <-chan string) string {
	t.Helper()
	ep := within(t, urls, "endpoint URL")
	a, errA := url.Parse(ep)
	b, errB := url.Parse(srv.base)
	if errA != nil || errB != nil || a.Host == b.Host {
		t.Fatalf("endpoint %s and page %s: want two origins", ep, srv.base)
	}
	return ep
}

// tileName is the name the page gives an endpoint's call: host and path.
func tileName(t *testing.T, endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host + u.Path
}

// The page publishes Chromium's fake camera and microphone to app.Receive's
// WHIP endpoint with a bearer token; Stop's DELETE ends the recording,
// which holds the frames the page sent. A wrong token first gets the
// endpoint's 401, shown with its text.
func browserPublishesWHIP(t *testing.T, ctx context.Context, srv pageServer, b *browser) {
	ctx, cancel := context.WithTimeout(ctx, 40*time.Second)
	const bearer = "page-secret"
	w, urls := listening()
	w.Bearer = bearer
	out := t.TempDir()
	rec := receiveAsync(ctx, ReceiveConfig{WHIP: w, Out: out, Count: 1, Logger: testLogger(t)})
	t.Cleanup(func() {
		cancel()
		<-rec.done // Receive ends with ctx: nothing outlives the test
	})
	endpoint := endpointURL(t, srv, urls) + "/page"

	bad := b.open(t, "wrong-token", srv.pageURL(map[string]string{"mode": "whip", "url": endpoint, "bearer": "wrong", "autostart": "1"}))
	s := bad.waitFor("the endpoint's refusal", 15*time.Second, func(s pageState) bool { return s.State == "error" })
	if !strings.Contains(s.Error, "401") || !strings.Contains(s.Error, "missing or wrong bearer token") {
		bad.fatalf("with a wrong token the page says %q; want the 401 and the endpoint's text", s.Error)
	}
	if len(s.Local) != 0 {
		t.Errorf("the refused page still holds its camera: %+v", s.Local)
	}

	p := b.open(t, "whip", srv.pageURL(map[string]string{"mode": "whip", "url": endpoint, "bearer": bearer, "autostart": "1"}))
	name := tileName(t, endpoint)
	const sendFor = 3 * time.Second
	want := fakeCamFPS * sendFor.Seconds()
	p.waitFor("3 s of camera sent to the WHIP endpoint", 20*time.Second, func(s pageState) bool {
		c := s.peer(name)
		return s.State == "live" && c != nil && c.Connection == "connected" && c.out("video").FramesSent >= want
	})
	p.call(`webrtcCli.leave()`) // Stop: DELETE, and Receive (Count 1) finishes
	awaitResult(p, ctx, rec.done, "end of Receive after the page's DELETE")
	if rec.err != nil {
		p.fatalf("receive: %v", rec.err)
	}

	s = p.snapshot()
	c := s.peer(name)
	sess := p.session()
	if s.State != "stopped" || c == nil || !c.Ended || c.EndReason != "stopped" || c.ConnectedAt == 0 {
		p.fatalf("after Stop the page is %s (%s); want stopped, its call ended by stopped", s.State, s.describePeers())
	}
	ov, oa := c.out("video"), c.out("audio")
	t.Logf("page sent %s %vx%v: %v frames, %v audio packets; session %s: %d candidates in the offer, %d PATCHes (%d candidates, %d failed), DELETE %d",
		ov.Codec, ov.Width, ov.Height, ov.FramesSent, oa.Packets, sess.Location, sess.Offered, sess.Patches.Sent, sess.Patches.Candidates, sess.Patches.Failed, sess.Deleted)
	// The DELETE reached the endpoint and ended the session: Receive
	// returned, and the endpoint answered the page's cross-origin DELETE.
	if sess.Deleted != 200 || !strings.HasPrefix(sess.Location, strings.TrimSuffix(endpoint, "/page")+"/session/") {
		t.Errorf("session at %q deleted with %d; want a session URL under the endpoint and a response", sess.Location, sess.Deleted)
	}
	// The page's end-of-candidates at least goes by PATCH, with If-Match.
	if sess.Offered == 0 || sess.Patches.Sent == 0 || sess.Patches.Failed > 0 || !sess.Trickles {
		t.Errorf("%d candidates in the offer, %d PATCHes, %d failed, trickles %v; want candidates, PATCHes and no failures",
			sess.Offered, sess.Patches.Sent, sess.Patches.Failed, sess.Trickles)
	}

	video := findFile(t, rec.rep, "page", "video")
	audio := findFile(t, rec.rep, "page", "audio")
	if rel, err := filepath.Rel(out, video); err != nil || strings.HasPrefix(rel, "..") {
		t.Errorf("recording %s is not in the output directory %s", video, out)
	}
	decodesClean(t, video)
	decodesClean(t, audio)
	var probe struct {
		Streams []struct {
			CodecName string `json:"codec_name"`
			Width     int    `json:"width"`
			Height    int    `json:"height"`
			Frames    string `json:"nb_read_frames"`
		} `json:"streams"`
	}
	mediatest.FFprobe(t, video, &probe, "-count_frames", "-show_streams")
	if len(probe.Streams) != 1 {
		t.Fatalf("ffprobe %s: %d streams, want 1", video, len(probe.Streams))
	}
	st := probe.Streams[0]
	frames := mediatest.Atof(t, st.Frames)
	t.Logf("recorded %s %dx%d: %v frames", st.CodecName, st.Width, st.Height, frames)
	if frames < want || frames < 0.9*ov.FramesSent {
		t.Errorf("ffprobe counts %v frames in %s; the page sent %v, and at least %v", frames, video, ov.FramesSent, want)
	}
	if st.Width != fakeCamWidth || st.Height != fakeCamHeight {
		t.Errorf("recording is %dx%d, want the camera's %dx%d", st.Width, st.Height, fakeCamWidth, fakeCamHeight)
	}
}

// The page watches app.Send's WHEP endpoint play a file: it decodes
// (nearly) every frame and the audio, shows a picture, and Send, which
// serves one viewer, ends without error once the page has had it all.
func browserWatchesWHEP(t *testing.T, ctx context.Context, srv pageServer, b *browser) {
	ctx, cancel := context.WithTimeout(ctx, 40*time.Second)
	type result struct {
		rep *Report
		err error
	}
	sent := make(chan result, 1)
	w, urls := listening()
	go func() {
		rep, err := Send(ctx, SendConfig{WHIP: w, Files: []string{testdata("vp8.ivf"), testdata("opus-stereo.ogg")}, Receivers: 1, Logger: testLogger(t)})
		sent <- result{rep, err}
	}()
	var r result
	returned := false
	t.Cleanup(func() {
		cancel()
		if !returned {
			<-sent // Send ends with ctx: nothing outlives the test
		}
	})
	endpoint := endpointURL(t, srv, urls)

	// A second of jitter buffer, as in watchFile: on a busy machine
	// Chromium drops late frames rather than show them.
	p := b.open(t, "whep", srv.pageURL(map[string]string{"mode": "whep", "url": endpoint, "jitter": "1000", "autostart": "1"}))
	name := tileName(t, endpoint)
	start := time.Now()
	r = awaitResult(p, ctx, sent, "end of Send")
	returned = true
	if r.err != nil {
		p.fatalf("send: %v", r.err)
	}
	t.Logf("Send took %v", time.Since(start).Round(time.Millisecond))
	var vsent, asent int64
	for _, tr := range r.rep.Tracks {
		t.Logf("sender's %s track: %d frames, complete %v, RTT %.1f ms", tr.Kind, tr.Frames, tr.Complete, tr.RTTms)
		if tr.Kind == "video" {
			if !tr.Complete {
				p.fatalf("the sender's video track did not complete (%d frames sent): %s", tr.Frames, p.snapshot().describePeers())
			}
			vsent = tr.Frames
		} else {
			asent = tr.Frames
		}
	}
	if vsent == 0 || asent == 0 {
		p.fatalf("Send sent %d video frames and %d audio packets", vsent, asent)
	}
	// Every frame was on the page before Send's drain ended; its stats
	// come twice a second.
	s := p.waitFor("the page to decode the file", 10*time.Second, func(s pageState) bool {
		c := s.peer(name)
		return c != nil && c.in("video").FramesDecoded >= 0.9*float64(vsent)
	})
	// The endpoint closed its side; Stop DELETEs what may be left.
	p.call(`webrtcCli.leave()`)
	s = p.waitFor("the session's end", 10*time.Second, func(s pageState) bool { return s.State == "stopped" || s.State == "ended" })
	c := s.peer(name)
	v, a := c.in("video"), c.in("audio")
	sess := p.session()
	t.Logf("page: %s, call ended by %q; %s %vx%v, %v received, %v decoded, %v dropped; audio %s %v samples (%v concealed); pixel variance max %.0f; DELETE %d",
		s.State, c.EndReason, v.Codec, v.Width, v.Height, v.FramesReceived, v.FramesDecoded, v.FramesDropped, a.Codec, a.TotalSamplesReceived, a.ConcealedSamples, c.Pixels.Max, sess.Deleted)
	if !c.Ended || c.ConnectedAt == 0 {
		t.Errorf("the call did not connect and end: %s", s.describePeers())
	}
	if v.Codec != "VP8" || a.Codec != "opus" {
		t.Errorf("the page received %q and %q, want VP8 and opus", v.Codec, a.Codec)
	}
	if got, want := a.TotalSamplesReceived-a.ConcealedSamples, 0.9*float64(asent)*960; got < want {
		t.Errorf("the page received %v audio samples (%v concealed), want at least %.0f real ones", a.TotalSamplesReceived, a.ConcealedSamples, want)
	}
	if c.Pixels.Max < minVariance {
		t.Errorf("the video looked blank: pixel variance at most %.1f over %d samples", c.Pixels.Max, c.Pixels.Samples)
	}
	if sess.Kind != "WHEP" || sess.Location == "" || sess.Patches.Failed > 0 {
		t.Errorf("session %+v: want a WHEP session with a Location and no failed PATCH", sess)
	}
}
