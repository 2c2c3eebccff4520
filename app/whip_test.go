package app

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media"
	"github.com/webrtc-cli/webrtc-cli/peer"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// listening returns a WHIPConfig that serves on a free loopback port and
// a channel that gives the endpoint's URL.
func listening() (*WHIPConfig, <-chan string) {
	ch := make(chan string, 1)
	return &WHIPConfig{Listen: "127.0.0.1:0", onListening: func(u string) { ch <- u }}, ch
}

// sameFrames checks a recording against its source: every frame for IVF,
// H264 and Ogg.
func sameFrames(t *testing.T, src, got string) {
	t.Helper()
	switch filepath.Ext(src) {
	case ".ogg":
		compareOgg(t, src, got)
	case ".h264":
		_, want := samplesOf(t, src)
		_, have := samplesOf(t, got)
		if len(have) != len(want) {
			t.Fatalf("%s: %d frames, source has %d", got, len(have), len(want))
		}
		for i := range want {
			if string(want[i].Data) != string(have[i].Data) {
				t.Fatalf("%s: frame %d differs", got, i)
			}
		}
	default:
		compareIVF(t, src, got, false)
	}
}

// send --whip publishes into receive --whip-listen, and send --whep-listen
// serves receive --whep: both frame-exact, in every codec.
func TestWHIPAndWHEP(t *testing.T) {
	testWHIPAndWHEP(t, peer.NetOptions{}, [][]string{
		{"vp8.ivf", "opus-stereo.ogg"},
		{"vp9.ivf"},
		{"av1.ivf"},
		{"h264.h264", "opus-mono.ogg"},
	})
}

// 5 % of the media packets lost: NACK still makes the recordings exact.
func TestWHIPAndWHEPUnderLoss(t *testing.T) {
	testWHIPAndWHEP(t, peer.NetOptions{Loss: 0.05, LossSeed: 7}, [][]string{
		{"vp8.ivf", "opus-stereo.ogg"},
		{"h264.h264"},
	})
}

// testWHIPAndWHEP runs each set of files both ways, the sender dropping
// what net says.
func testWHIPAndWHEP(t *testing.T, net peer.NetOptions, pairs [][]string) {
	for _, files := range pairs {
		var paths []string
		for _, f := range files {
			paths = append(paths, testdata(f))
		}
		t.Run("whip/"+strings.Join(files, "+"), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			w, urls := listening()
			rep := receiveAsync(ctx, ReceiveConfig{WHIP: w, Out: t.TempDir(), Count: 1})
			url := within(t, urls, "the WHIP endpoint")
			if _, err := Send(ctx, SendConfig{WHIP: &WHIPConfig{URL: url + "/cam"}, Files: paths, Net: net}); err != nil {
				t.Fatal(err)
			}
			r := rep.wait(t)
			for i, f := range paths {
				sameFrames(t, f, findFile(t, r, "cam", kindOf(files[i])))
			}
		})
		t.Run("whep/"+strings.Join(files, "+"), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			w, urls := listening()
			sent := make(chan error, 1)
			go func() {
				rep, err := Send(ctx, SendConfig{WHIP: w, Files: paths, Receivers: 1, Net: net})
				// send's final line: tracks are inputs, not track-peer pairs.
				if err == nil && (len(rep.Inputs) != len(paths) || rep.Peers() != 1 || len(rep.Tracks) != len(paths)) {
					err = fmt.Errorf("report: %d inputs, %d peers, %d tracks; want %d, 1, %d", len(rep.Inputs), rep.Peers(), len(rep.Tracks), len(paths), len(paths))
				}
				sent <- err
			}()
			url := within(t, urls, "the WHEP endpoint")
			r, err := Receive(ctx, ReceiveConfig{WHIP: &WHIPConfig{URL: url}, Out: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			if err := within(t, sent, "send to finish"); err != nil {
				t.Fatal(err)
			}
			name := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/whep")
			for i, f := range paths {
				sameFrames(t, f, findFile(t, r, name, kindOf(files[i])))
			}
		})
	}
}

func kindOf(file string) string {
	if strings.HasSuffix(file, ".ogg") {
		return "audio"
	}
	return "video"
}

// send --whep-listen with a live source: one capture shared by every
// viewer, each starting at the next keyframe.
func TestWHEPLiveViewers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cap := startTestCapture(t, ctx)
	w, urls := listening()
	sctx, stop := context.WithCancel(ctx)
	sent := make(chan error, 1)
	go func() {
		_, err := Send(sctx, SendConfig{WHIP: w, Live: &LiveInput{Sources: []media.Source{cap.Video, cap.Audio}, Wait: cap.Wait}})
		sent <- err
	}()
	url := within(t, urls, "the WHEP endpoint")
	first := make(chan struct{}, 1)
	early := receiveAsync(ctx, ReceiveConfig{WHIP: &WHIPConfig{URL: url}, Out: t.TempDir(), Duration: 4 * time.Second,
		onFirstFrame: func() {
			select {
			case first <- struct{}{}:
			default:
			}
		}})
	within(t, first, "the first viewer's first frame")
	within(t, time.After(1500*time.Millisecond), "the second viewer's turn")
	late := receiveAsync(ctx, ReceiveConfig{WHIP: &WHIPConfig{URL: url}, Out: t.TempDir(), Duration: 1500 * time.Millisecond})
	re, rl := early.wait(t), late.wait(t)
	stop()
	if err := within(t, sent, "send to return"); err != nil {
		t.Fatal(err)
	}
	name := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/whep")
	var firsts []string
	for viewer, rep := range map[string]*Report{"early": re, "late": rl} {
		for _, kind := range []string{"video", "audio"} {
			path := findFile(t, rep, name, kind)
			ffprobeClean(t, path)
			if kind == "video" {
				_, frames := samplesOf(t, path)
				if len(frames) < 20 || !frames[0].Keyframe {
					t.Fatalf("%s viewer: %d frames, the first a keyframe: %v", viewer, len(frames), len(frames) > 0 && frames[0].Keyframe)
				}
				firsts = append(firsts, string(frames[0].Data))
			}
		}
	}
	if firsts[0] == firsts[1] {
		t.Fatal("both viewers' recordings start with the same frame: the late one did not join the live stream")
	}
}

// The endpoints serve HTTPS (serve's TLS flags); a client pins the
// self-signed certificate by its fingerprint.
func TestWHIPOverTLS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tlsCfg, fp, err := signal.TLSOptions{SelfSigned: true, Addr: "127.0.0.1:0"}.Config()
	if err != nil {
		t.Fatal(err)
	}
	w, urls := listening()
	w.TLS = tlsCfg
	rep := receiveAsync(ctx, ReceiveConfig{WHIP: w, Out: t.TempDir(), Count: 1})
	url := within(t, urls, "the WHIP endpoint")
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("endpoint URL %s; want https://", url)
	}
	src := testdata("vp8.ivf")
	// An unpinned client refuses the certificate, with a way forward.
	_, err = Send(ctx, SendConfig{WHIP: &WHIPConfig{URL: url + "/tls"}, Files: []string{src}})
	if err == nil || !strings.Contains(err.Error(), "certificate") || !strings.Contains(err.Error(), "--pin-sha256") {
		t.Fatalf("send to a self-signed endpoint without --ca or --pin-sha256: %v", err)
	}
	pinned, err := signal.ClientTLSOptions{PinSHA256: fp}.Config()
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: pinned}}
	if _, err := Send(ctx, SendConfig{WHIP: &WHIPConfig{URL: url + "/tls", HTTP: client}, Files: []string{src}}); err != nil {
		t.Fatal(err)
	}
	sameFrames(t, src, findFile(t, rep.wait(t), "tls", "video"))
}
