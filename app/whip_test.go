package app

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/peer"
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
				_, err := Send(ctx, SendConfig{WHIP: w, Files: paths, Receivers: 1, Net: net})
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
