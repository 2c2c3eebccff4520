package app

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/signal"
)

// minVariance is the luma variance above which a frame is not blank. The
// test pictures (testsrc2) and the fake camera are in the thousands; a
// black or uniform frame is 0.
const minVariance = 100

// app.Send streams each test file to a page in receive mode: Chromium
// decodes (nearly) every frame, plays the audio, and shows a picture.
func TestSendToBrowser(t *testing.T) {
	ctx := testContext(t, 60*time.Second)
	srv := startPageServer(t, signal.ServerConfig{}, false)
	b := newBrowser(t, ctx, false)
	for _, tc := range []struct{ codec, file string }{
		{"VP8", "vp8.ivf"}, {"VP9", "vp9.ivf"}, {"AV1", "av1.ivf"},
	} {
		t.Run(tc.codec, func(t *testing.T) {
			watchFile(t, ctx, srv, b, tc.codec, testdata(tc.file), testdata("opus-stereo.ogg"), nil)
		})
	}
}

// TestSendToBrowserTLS is the same over HTTPS and WSS with a self-signed
// certificate.
func TestSendToBrowserTLS(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	srv := startPageServer(t, signal.ServerConfig{}, true)
	b := newBrowser(t, ctx, true)
	watchFile(t, ctx, srv, b, "VP8", testdata("vp8.ivf"), testdata("opus-stereo.ogg"), nil)
}

// watchFile has a page (with the query parameters extra) watch a send of
// video and audio, checks what it decoded, and returns what it last said
// of the call.
func watchFile(t *testing.T, ctx context.Context, srv pageServer, b *browser, codec, video, audio string, extra map[string]string) *peerState {
	room := "watch-" + codec
	// A jitter buffer of a second. The test is about what the browser can
	// decode, and when Chromium itself is starved of CPU for longer than
	// its buffer (a shared CI machine), libwebrtc fast-forwards: frames
	// whose render time has passed are dropped, complete, in favour of a
	// later one. With the default buffer, 4 to 8 of 72 VP8 frames (and 13 of
	// 90 AV1 frames once, under -race) went that way in about one run in
	// five with a load average of 4 on 2 cores; with 400 ms, still 4 to 7.
	const jitterMs = 1000
	q := map[string]string{"room": room, "name": "viewer", "mode": "receive", "jitter": fmt.Sprint(jitterMs), "autostart": "1"}
	maps.Copy(q, extra)
	p := b.open(t, "viewer", srv.pageURL(q))
	p.waitFor("the page to join", 10*time.Second, func(s pageState) bool { return s.State == "joined" })

	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	start := time.Now()
	rep, err := Send(sctx, SendConfig{Signal: srv.client(room, "file"), Files: []string{video, audio}, Receivers: 1, Logger: testLogger(t)})
	if err != nil {
		p.fatalf("send: %v", err)
	}
	t.Logf("Send took %v", time.Since(start).Round(time.Millisecond))
	var vsent, asent int64
	for _, tr := range rep.Tracks {
		t.Logf("sender's %s track: %d frames, RTT %.1f ms, loss %.3f, %d keyframe requests, pacing error p50 %.1f p99 %.1f max %.1f ms",
			tr.Kind, tr.Frames, tr.RTTms, tr.LossFraction, tr.KeyframeRequests, tr.PacingP50ms, tr.PacingP99ms, tr.PacingMaxms)
		// Chromium reports on audio only every few seconds, so the
		// sender cannot confirm the audio's end before its drain runs
		// out (Complete false); the page's own counts below prove it.
		if !tr.Complete && tr.Kind == "video" {
			p.fatalf("the sender's %s track did not complete (%d frames sent): %s", tr.Kind, tr.Frames, p.snapshot().describePeers())
		}
		if tr.Kind == "video" {
			vsent = tr.Frames
		} else {
			asent = tr.Frames
		}
	}
	// The sender says bye when its drain is over (with Chromium the audio
	// track's runs to its timeout: libwebrtc sends audio receiver reports
	// every few seconds); the page takes its last stats before it closes.
	s := p.waitFor("the sender's bye", 10*time.Second, func(s pageState) bool {
		c := s.peer("file")
		return c != nil && c.Ended
	})
	c := s.peer("file")
	v, a := c.in("video"), c.in("audio")
	t.Logf("%s: sent %d frames, %d Opus packets; page: %s %vx%v, %v received, %v decoded (%v key), %v dropped, %v lost, %v NACKs, %v PLIs, jitter buffer %.0f ms; audio %s %v samples (%v concealed); pixel variance max %.0f over %d samples; muted %v; ended by %s",
		codec, vsent, asent, v.Codec, v.Width, v.Height, v.FramesReceived, v.FramesDecoded, v.KeyFramesDecoded, v.FramesDropped, v.PacketsLost, v.NackCount, v.PLICount, v.JitterBufferMs,
		a.Codec, a.TotalSamplesReceived, a.ConcealedSamples, c.Pixels.Max, c.Pixels.Samples, c.Muted, c.EndReason)
	for _, j := range c.JitterBufferTarget {
		if j == nil || *j != jitterMs {
			t.Errorf("jitterBufferTarget %v, want the %d ms asked for", c.JitterBufferTarget, jitterMs)
			break
		}
	}
	// pion trickles its candidates and then a null end-of-candidates,
	// which the page must take without error.
	if cs := c.Candidates; cs.Received == 0 || !cs.ReceivedEnd || cs.Refused > 0 {
		t.Errorf("remote candidates: %d applied, end-of-candidates %v, %d refused", cs.Received, cs.ReceivedEnd, cs.Refused)
	}
	if c.EndReason != "bye" {
		t.Errorf("the call ended by %q, want the sender's bye", c.EndReason)
	}
	if v.Codec != codec {
		t.Errorf("the page received %q, want %s", v.Codec, codec)
	}
	if v.FramesDecoded < 0.9*float64(vsent) {
		// Tell the two causes apart: frames that never arrived (ours), or
		// frames that arrived whole and Chromium dropped as late because
		// it was starved of CPU (a machine with a load average of 4 or
		// more did that to every codec; -race alone did not, in 9 runs).
		why := "frames went missing on the way"
		if v.FramesReceived >= float64(vsent) && v.PacketsLost == 0 && v.FramesDropped > 0 {
			why = fmt.Sprintf("every frame arrived; Chromium dropped %v as late (it was starved of CPU)", v.FramesDropped)
		}
		t.Errorf("the page decoded %v of %d frames: %s", v.FramesDecoded, vsent, why)
	}
	// 20 ms packets of 48 kHz audio; after the last one, the decoder
	// conceals (plays silence) until the call ends.
	if got, want := a.TotalSamplesReceived-a.ConcealedSamples, 0.9*float64(asent)*960; got < want {
		t.Errorf("the page received %v audio samples (%v concealed), want at least %.0f real ones", a.TotalSamplesReceived, a.ConcealedSamples, want)
	}
	if c.Pixels.Max < minVariance {
		p.fatalf("the video looked blank: pixel variance at most %.1f over %d samples", c.Pixels.Max, c.Pixels.Samples)
	}
	return c
}
