package app

import (
	"context"
	"math"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media"
	"github.com/webrtc-cli/webrtc-cli/media/mediatest"

	"github.com/webrtc-cli/webrtc-cli/signal"
)

// Chromium's fake camera: 640x480 at 20 frames a second (checked below
// against the page's own capture settings and its encoder's stats).
const (
	fakeCamWidth, fakeCamHeight = 640, 480
	fakeCamFPS                  = 20
	opusPacketsPerSecond        = 50 // Chromium sends 20 ms Opus packets
)

// The page publishes Chromium's fake camera and microphone to app.Receive,
// which records them; the recordings decode cleanly and hold as many frames
// and as much time as the page sent.
func TestBrowserPublishesToReceive(t *testing.T) {
	requireTool(t, "ffmpeg")
	ctx := testContext(t, 60*time.Second)
	srv := startPageServer(t, signal.ServerConfig{}, false)
	b := newBrowser(t, ctx, false)
	for _, codec := range []string{"VP8", "VP9", "AV1"} {
		t.Run(codec, func(t *testing.T) { browserPublishes(t, ctx, srv, b, codec) })
	}
}

func browserPublishes(t *testing.T, ctx context.Context, srv pageServer, b *browser, codec string) {
	ctx, cancel := context.WithTimeout(ctx, 25*time.Second)
	defer cancel()
	room := "publish-" + codec

	type result struct {
		rep *Report
		err error
	}
	done := make(chan result, 1)
	out := t.TempDir()
	go func() {
		rep, err := Receive(ctx, ReceiveConfig{Signal: srv.client(room, "rec"), Out: out, Count: 1, Logger: testLogger(t)})
		done <- result{rep, err}
	}()

	p := b.open(t, "cam", srv.pageURL(map[string]string{"room": room, "name": "cam", "mode": "send", "codec": codec, "autostart": "1"}))
	const sendFor = 3 * time.Second
	want := float64(fakeCamFPS) * sendFor.Seconds()
	s := p.waitFor("3 s of camera sent to the receiver", 15*time.Second, func(s pageState) bool {
		c := s.peer("rec")
		return c != nil && c.Connection == "connected" && c.out("video").FramesSent >= want
	})
	for _, tr := range s.Local {
		if tr.Kind == "video" && (tr.Settings.Width != fakeCamWidth || tr.Settings.Height != fakeCamHeight || tr.Settings.FrameRate != fakeCamFPS) {
			t.Errorf("fake camera captures %vx%v at %v fps, want %dx%d at %d", tr.Settings.Width, tr.Settings.Height, tr.Settings.FrameRate, fakeCamWidth, fakeCamHeight, fakeCamFPS)
		}
	}
	p.call(`webrtcCli.leave()`) // says bye: Receive finishes its files and returns
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		p.fatalf("Receive did not end after the page left")
	}
	if r.err != nil {
		t.Fatalf("receive: %v", r.err)
	}
	c := p.snapshot().peer("rec")
	if !c.Ended || c.ConnectedAt == 0 {
		p.fatalf("the call did not end as it should: %s", p.snapshot().describePeers())
	}
	ov, oa := c.out("video"), c.out("audio")
	sent := time.Duration((c.EndedAt - c.ConnectedAt) * float64(time.Millisecond))
	t.Logf("page sent %s %vx%v: %v frames (%v encoded) and %v audio packets in %v; quality limitation %q, encoder %s",
		ov.Codec, ov.Width, ov.Height, ov.FramesSent, ov.FramesEncoded, oa.Packets, sent.Round(time.Millisecond), ov.QualityLimitation, ov.Encoder)
	if ov.Codec != codec {
		t.Errorf("the page sent %q, want %s", ov.Codec, codec)
	}
	// The camera's rate, as the encoder saw it: nearly every captured
	// frame sent. Chromium's software VP9 encoder drops some on a busy
	// 2-core machine (go test runs packages side by side): 0.8, while
	// what was sent must all be recorded (0.9 below, of what was sent).
	if exp := fakeCamFPS * sent.Seconds(); ov.FramesSent < 0.8*exp {
		t.Errorf("the page sent %v frames in %v; at %d fps that is %.0f", ov.FramesSent, sent, fakeCamFPS, exp)
	}

	video := findFile(t, r.rep, "cam", "video")
	audio := findFile(t, r.rep, "cam", "audio")
	decodesClean(t, video)
	decodesClean(t, audio)
	hdr, frames := samplesOf(t, video)
	vdur, adur := mediatest.Duration(t, video), mediatest.Duration(t, audio)
	_, pkts := samplesOf(t, audio)
	decoded := len(mediatest.FrameMD5(t, video))
	t.Logf("recorded %s %dx%d: %d frames (%d decode), %.3f s; opus: %d packets, %.3f s", hdr.Codec.FourCC, hdr.Width, hdr.Height, len(frames), decoded, vdur, len(pkts), adur)
	for _, tr := range r.rep.Tracks {
		t.Logf("receiver's %s track: %d frames, %d dropped, %d packets lost, %d duplicates, %d PLIs", tr.Kind, tr.Frames, tr.FramesDropped, tr.PacketsLost, tr.Duplicates, tr.PLIsSent)
	}
	if exp := fakeCamFPS * sent.Seconds(); float64(decoded) < 0.8*exp {
		t.Errorf("%d frames recorded (%d decode) in %v; at %d fps that should be %.0f", len(frames), decoded, sent, fakeCamFPS, exp)
	}
	if float64(decoded) < 0.9*ov.FramesSent {
		t.Errorf("%d frames recorded (%d decode), the page sent %v", len(frames), decoded, ov.FramesSent)
	}
	if float64(len(pkts)) < 0.9*oa.Packets {
		t.Errorf("%d Opus packets recorded, the page sent %v", len(pkts), oa.Packets)
	}
	if exp := opusPacketsPerSecond * sent.Seconds(); float64(len(pkts)) < 0.9*exp {
		t.Errorf("%d Opus packets recorded in %v, want about %.0f", len(pkts), sent, exp)
	}
	for _, d := range []struct {
		kind string
		got  float64
	}{{"video", vdur}, {"audio", adur}} {
		if math.Abs(d.got-sent.Seconds()) > 0.1*sent.Seconds() {
			t.Errorf("%s recording lasts %.3f s, the page sent for %v", d.kind, d.got, sent)
		}
	}
	if hdr.Width != fakeCamWidth || hdr.Height != fakeCamHeight {
		t.Errorf("recording is %dx%d, want the camera's %dx%d", hdr.Width, hdr.Height, fakeCamWidth, fakeCamHeight)
	}
}

// decodesClean is ffprobeClean for recordings of a live camera: ffmpeg
// decodes the file and must report nothing, with one exception. Chromium
// stamps frames with their capture time, which jitters (a late frame, the
// next one 13 ms after it); ffmpeg's null output rounds timestamps to
// 1/frame-rate and warns of a "non monotonically increasing dts" when two
// frames land on one tick. That is ffmpeg's rounding, not the file: such a
// file must then decode with nothing reported in its own timebase.
func decodesClean(t *testing.T, path string) {
	t.Helper()
	requireTool(t, "ffmpeg")
	out, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-f", "null", "-").CombinedOutput()
	if err == nil && len(out) == 0 {
		return
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if err != nil || !strings.Contains(line, "non monotonically increasing dts to muxer") {
			t.Fatalf("ffmpeg decoding %s: %v\n%s", path, err, out)
		}
	}
	again, err := exec.Command("ffmpeg", "-v", "error", "-xerror", "-i", path, "-enc_time_base", "-1", "-f", "null", "-").CombinedOutput()
	if err != nil || len(again) > 0 {
		t.Fatalf("ffmpeg decoding %s in its own timebase: %v\n%s", path, err, again)
	}
	t.Logf("%s: capture jitter put frames on one tick of ffmpeg's output timebase (%d warnings); clean in the file's own", path, strings.Count(string(out), "\n"))
}

// The page publishes H264 and Opus to a receive --format mp4: the MP4
// decodes cleanly and holds what the page sent, both tracks, as long as
// it sent them.
func TestBrowserPublishesToMP4(t *testing.T) {
	requireTool(t, "ffmpeg")
	ctx := testContext(t, 60*time.Second)
	srv := startPageServer(t, signal.ServerConfig{}, false)
	b := newBrowser(t, ctx, false)
	const room = "publish-mp4"
	type result struct {
		rep *Report
		err error
	}
	done := make(chan result, 1)
	go func() {
		rep, err := Receive(ctx, ReceiveConfig{Signal: srv.client(room, "rec"), Out: t.TempDir(), Count: 1, Format: media.FormatMP4, Logger: testLogger(t)})
		done <- result{rep, err}
	}()
	p := b.open(t, "cam", srv.pageURL(map[string]string{"room": room, "name": "cam", "mode": "send", "codec": "H264", "autostart": "1"}))
	want := float64(fakeCamFPS) * 3
	p.waitFor("3 s of camera sent", 15*time.Second, func(s pageState) bool {
		c := s.peer("rec")
		return c != nil && c.Connection == "connected" && c.out("video").FramesSent >= want
	})
	p.call(`webrtcCli.leave()`)
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		p.fatalf("Receive did not end after the page left")
	}
	if r.err != nil {
		t.Fatalf("receive: %v", r.err)
	}
	c := p.snapshot().peer("rec")
	sent := (c.EndedAt - c.ConnectedAt) / 1000
	ov := c.out("video")
	path := findFile(t, r.rep, "cam", "video")
	decodesClean(t, path)
	frames := len(framemd5(t, path, "v:0"))
	streams := probeStreams(t, path)
	t.Logf("page sent %s: %v frames in %.2f s; the MP4 has %d frames, streams %+v", ov.Codec, ov.FramesSent, sent, frames, streams)
	if len(streams) != 2 || streams[0].CodecName != "h264" || streams[1].CodecName != "opus" {
		t.Errorf("streams %+v, want h264 and opus", streams)
	}
	if float64(frames) < 0.9*ov.FramesSent {
		t.Errorf("%d frames decode, the page sent %v", frames, ov.FramesSent)
	}
	if d := probeDuration(t, path); math.Abs(d-sent) > 0.1*sent+0.2 {
		t.Errorf("the MP4 lasts %.2f s, the page sent for %.2f s", d, sent)
	}
}
