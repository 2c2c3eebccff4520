package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/webrtc-cli/webrtc-cli/signal/whip"
)

// helperEnv makes the test binary a helper process (runHelper) instead of
// running tests: a peer the test can kill without a word to its calls.
const helperEnv = "WEBRTC_CLI_TEST_HELPER"

// runHelper runs the helper process named helper; it prints the URL of its
// endpoint on standard output.
func runHelper(helper string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch helper {
	case "whep-listen":
		w := &WHIPConfig{Listen: "127.0.0.1:0", onListening: func(u string) { fmt.Println(u) }}
		if _, err := Send(ctx, SendConfig{WHIP: w, Files: []string{testdata("vp8.ivf")}, Loop: true}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	}
	fmt.Fprintln(os.Stderr, "unknown helper", helper)
	return 2
}

// startHelper runs the helper process and returns it and the URL it
// prints.
func startHelper(t *testing.T, helper string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+helper)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	urls := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		urls <- strings.TrimSpace(line)
	}()
	u := within(t, urls, "URL from the helper process")
	if u == "" {
		t.Fatal("the helper process printed no URL")
	}
	return cmd, u
}

// receive --whep ends on its own within 10 s of the endpoint vanishing
// (killed: no RTCP BYE, no DTLS close, no HTTP), keeping what it recorded.
func TestWHEPReceiveEndsWhenEndpointVanishes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	helper, url := startHelper(t, "whep-listen")
	playing := make(chan struct{})
	var once bool
	rep := receiveAsync(ctx, ReceiveConfig{WHIP: &WHIPConfig{URL: url}, Out: t.TempDir(), Logger: testLogger(t),
		Progress: func(s ReceiveStatus) {
			if s.Frames >= 30 && !once {
				once = true
				close(playing)
			}
		}})
	within(t, playing, "frames from the WHEP endpoint")
	if err := helper.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	select {
	case <-rep.done:
	case <-time.After(15 * time.Second):
		t.Fatal("receive --whep still running 15 s after its endpoint vanished")
	}
	took := time.Since(killed)
	t.Logf("receive --whep ended %v after its endpoint was killed", took.Round(time.Millisecond))
	if took > 10*time.Second {
		t.Errorf("receive --whep ended %v after its endpoint vanished; want within 10 s", took.Round(time.Millisecond))
	}
	if rep.err != nil {
		t.Fatalf("receive --whep after media: %v", rep.err)
	}
	name := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/whep")
	ffprobeClean(t, findFile(t, rep.rep, name, "video"))
}

// A WHIP session whose connection never comes up is ended after the
// connect timeout and its resources freed; its DELETE is then a 404.
func TestWHIPSessionThatNeverConnects(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	w, urls := listening()
	w.ConnectTimeout = time.Second
	ended := newLogWatch("session ended")
	rep := receiveAsync(ctx, ReceiveConfig{WHIP: w, Out: t.TempDir(), Logger: slog.New(ended)})
	url := within(t, urls, "the WHIP endpoint")

	// An offer that will never connect: no candidates, and its
	// PeerConnection closed once it is made.
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	track, _ := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, "video", "x")
	if _, err := pc.AddTrack(track); err != nil {
		t.Fatal(err)
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	pc.Close()
	sess, err := (&whip.Client{Endpoint: url, Kind: whip.WHIP}).Offer(ctx, offer.SDP)
	if err != nil {
		t.Fatal(err)
	}
	within(t, ended.seen, "the session to end at the connect timeout")
	var he *whip.HTTPError
	if err := sess.Delete(ctx); !errors.As(err, &he) || he.Status != http.StatusNotFound {
		t.Errorf("DELETE after the session timed out: %v; want 404", err)
	}
	cancel()
	<-rep.done
}
