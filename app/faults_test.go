package app

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// The signaling server dies two seconds into the stream. Media goes on
// peer to peer; the sender's RTCP BYE on each track tells the receiver the
// recording is complete, so receive --count 1 exits 0 with every frame,
// although the signaling bye can never arrive.
func TestSignalingDiesMidStream(t *testing.T) {
	s := signal.NewServer(signal.ServerConfig{})
	hs := httptest.NewServer(s)
	url := wsURL(hs.URL)
	var once sync.Once
	kill := func() {
		once.Do(func() {
			hs.CloseClientConnections()
			hs.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			s.Close(ctx)
		})
	}
	t.Cleanup(kill)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	firstFrame := make(chan struct{}, 1)
	rep := receiveAsync(ctx, ReceiveConfig{Signal: signal.ClientConfig{URL: url, Room: "dies", Name: "rec"}, Out: t.TempDir(), Count: 1, Logger: testLogger(t),
		onFirstFrame: func() {
			select {
			case firstFrame <- struct{}{}:
			default:
			}
		}})
	sent := make(chan error, 1)
	go func() {
		_, err := Send(ctx, SendConfig{Signal: signal.ClientConfig{URL: url, Room: "dies", Name: "snd"}, Files: []string{testdata("vp8.ivf"), testdata("opus-stereo.ogg")}, Receivers: 1, Logger: testLogger(t)})
		sent <- err
	}()
	within(t, firstFrame, "first frame")
	kill()
	if err := within(t, sent, "send to return"); err != nil {
		t.Fatalf("send: %v", err)
	}
	r := rep.wait(t)
	if ctx.Err() != nil {
		t.Fatal("receive ended at its deadline, not at the end of the stream")
	}
	compareIVF(t, testdata("vp8.ivf"), findFile(t, r, "snd", "video"), false)
	compareOgg(t, testdata("opus-stereo.ogg"), findFile(t, r, "snd", "audio"))
}

// receive --out - --format webm streams one playable WebM to standard
// output, audio and video together, and ends with the sender.
func TestMuxedToStdout(t *testing.T) {
	requireTool(t, "ffprobe")
	url := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	rep := receiveAsync(ctx, ReceiveConfig{Signal: signal.ClientConfig{URL: url, Room: "pipe-webm"}, Stdout: &out, Format: media.FormatWebM})
	if _, err := Send(ctx, SendConfig{Signal: signal.ClientConfig{URL: url, Room: "pipe-webm", Name: "snd"}, Files: []string{testdata("vp8.ivf"), testdata("opus-stereo.ogg")}, Receivers: 1}); err != nil {
		t.Fatal(err)
	}
	r := rep.wait(t)
	if len(r.Tracks) != 2 || r.Tracks[0].File != "-" || r.Tracks[1].File != "-" {
		t.Fatalf("tracks %+v", r.Tracks)
	}
	// ffprobe reads it from a pipe, as `| ffprobe -` would.
	cmd := exec.Command("ffprobe", "-v", "error", "-count_packets", "-show_entries", "stream=codec_name,nb_read_packets", "-of", "csv=p=0", "-")
	cmd.Stdin = bytes.NewReader(out.Bytes())
	got, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe -: %v\n%s", err, got)
	}
	if want := "vp8,72\nopus,151\n"; string(got) != want {
		t.Fatalf("ffprobe read %q, want %q", got, want)
	}
}

// Combinations that cannot work are refused before anything connects.
func TestReceiveRefusesImpossibleOutputs(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  ReceiveConfig
		want string
	}{
		{"track of a muxed stream", ReceiveConfig{Stdout: io.Discard, Format: media.FormatWebM, StdoutKind: "video"}, "holds every track"},
		{"one-track format", ReceiveConfig{Out: t.TempDir(), Format: media.FormatIVF}, "want webm, mkv, mp4 or fmp4"},
		{"unknown track", ReceiveConfig{Stdout: io.Discard, StdoutKind: "subtitles"}, "want video or audio"},
		{"no output", ReceiveConfig{}, "no output"},
	} {
		_, err := Receive(context.Background(), c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
}

// closeCounter is a live source that counts its Close calls.
type closeCounter struct{ closed atomic.Int32 }

func (c *closeCounter) Track() media.Track          { return media.Track{Codec: media.VP8} }
func (c *closeCounter) Next() (media.Sample, error) { return media.Sample{}, io.EOF }
func (c *closeCounter) Close() error                { c.closed.Add(1); return nil }
func (c *closeCounter) wantClosed(t *testing.T, what string) {
	t.Helper()
	if n := c.closed.Load(); n != 1 {
		t.Errorf("%s: live source closed %d times, want once", what, n)
	}
}

// Send owns the live sources it is given: every way out closes them,
// early errors included.
func TestSendClosesLiveSourcesOnError(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	src := &closeCounter{}
	_, err := Send(ctx, SendConfig{Signal: signal.ClientConfig{URL: "ws://127.0.0.1:1/ws", Room: "x", NoReconnect: true}, Live: &LiveInput{Sources: []media.Source{src}}})
	if err == nil {
		t.Fatal("Send to a server that is not there succeeded")
	}
	src.wantClosed(t, "server down")

	a, b := &closeCounter{}, &closeCounter{}
	if _, err := Send(ctx, SendConfig{Live: &LiveInput{Sources: []media.Source{a, b}}}); err == nil {
		t.Fatal("two live video sources accepted")
	}
	a.wantClosed(t, "two video sources")
	b.wantClosed(t, "two video sources")

	// And once, not twice, when the source just ends.
	ended := &closeCounter{}
	if _, err := Send(ctx, SendConfig{Signal: signal.ClientConfig{URL: startServer(t), Room: "x"}, Live: &LiveInput{Sources: []media.Source{ended}}}); err != nil {
		t.Fatal(err)
	}
	ended.wantClosed(t, "a source that ended")
}

// A track that arrives as its call ends is not recorded, and never races
// the wait for the call's recordings.
func TestTrackAfterCallEnd(t *testing.T) {
	for range 100 {
		ic := &inCall{}
		if !ic.begin() {
			t.Fatal("begin refused before the call ended")
		}
		waited := make(chan struct{})
		go func() {
			ic.wait()
			close(waited)
		}()
		late := make(chan bool)
		go func() { late <- ic.begin() }()
		ok := within(t, late, "begin")
		ic.recs.Done() // the first recording ends
		if ok {
			ic.recs.Done()
		}
		within(t, waited, "wait to return")
		if ic.begin() {
			t.Fatal("begin accepted after wait")
		}
	}
}

// No progress line comes after the final status: stop returns only once
// the progress callback will not run again.
func TestProgressStops(t *testing.T) {
	var stopped atomic.Bool
	calls := make(chan struct{}, 1)
	stop := startProgressEvery(context.Background(), time.Millisecond, func() {
		if stopped.Load() {
			t.Error("progress after stop")
		}
		select {
		case calls <- struct{}{}:
		default:
		}
	})
	within(t, calls, "a progress call")
	stop()
	stopped.Store(true)
	// A callback in flight when stop returned would have reported by now.
	within(t, time.After(20*time.Millisecond), "")
}
