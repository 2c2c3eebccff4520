package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"

	"github.com/webrtc-cli/webrtc-cli/signal"
)

// receiving is a Receive running on its own goroutine.
type receiving struct {
	done chan struct{}
	rep  *Report
	err  error
}

func receiveAsync(ctx context.Context, cfg ReceiveConfig) *receiving {
	r := &receiving{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.rep, r.err = Receive(ctx, cfg)
	}()
	return r
}

// wait returns the report once Receive has returned; its error, or no
// return within the deadline, fails the test.
func (r *receiving) wait(t testing.TB) *Report {
	t.Helper()
	within(t, r.done, "Receive to return")
	if r.err != nil {
		t.Fatalf("receive: %v", r.err)
	}
	return r.rep
}

// testWait bounds every wait of these tests.
const testWait = 90 * time.Second

// within receives from ch, failing the test after testWait.
func within[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(testWait):
		t.Fatalf("no %s within %v", what, testWait)
	}
	var zero T
	return zero
}

// A receiver that joins while another is halfway through still gets the
// file from its first frame.
func TestLateReceiverStartsFromTheBeginning(t *testing.T) {
	url := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	firstA := make(chan struct{}, 1)
	a := receiveAsync(ctx, ReceiveConfig{Signal: signal.ClientConfig{URL: url, Room: "late", Name: "A"}, Out: t.TempDir(), Count: 1,
		onFirstFrame: func() {
			select {
			case firstA <- struct{}{}:
			default:
			}
		}})
	sent := make(chan error, 1)
	go func() {
		_, err := Send(ctx, SendConfig{Signal: signal.ClientConfig{URL: url, Room: "late", Name: "snd"}, Files: []string{testdata("vp8.ivf")}, Receivers: 2})
		sent <- err
	}()
	within(t, firstA, "firstA")
	b := receiveAsync(ctx, ReceiveConfig{Signal: signal.ClientConfig{URL: url, Room: "late", Name: "B"}, Out: t.TempDir(), Count: 1})
	if err := within(t, sent, "send to return"); err != nil {
		t.Fatal(err)
	}
	for _, rep := range []*Report{a.wait(t), b.wait(t)} {
		compareIVF(t, testdata("vp8.ivf"), findFile(t, rep, "snd", "video"), false)
	}
}

// --loop keeps the timeline continuous: the second pass is the first one
// again, one file length later.
func TestLoopContinuesTimestamps(t *testing.T) {
	url := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep := receiveAsync(ctx, ReceiveConfig{Signal: signal.ClientConfig{URL: url, Room: "loop"}, Out: t.TempDir(), Duration: 4500 * time.Millisecond})
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		Send(sctx, SendConfig{Signal: signal.ClientConfig{URL: url, Room: "loop", Name: "snd"}, Files: []string{testdata("vp8.ivf")}, Loop: true})
	}()
	r := rep.wait(t)
	stop()
	within(t, sent, "sent")
	_, src := samplesOf(t, testdata("vp8.ivf"))
	_, got := samplesOf(t, findFile(t, r, "snd", "video"))
	if len(got) < len(src)+24 {
		t.Fatalf("%d frames in 4.5 s of a looped 3 s file", len(got))
	}
	const fileTicks = 72 * 3750 // 72 frames at 24 fps in 90 kHz ticks
	for i := len(src); i < len(got); i++ {
		prev := got[i-len(src)]
		if string(got[i].Data) != string(prev.Data) || got[i].Ticks != prev.Ticks+fileTicks {
			t.Fatalf("frame %d: pts %d, want %d (or data differs)", i, got[i].Ticks, prev.Ticks+fileTicks)
		}
	}
}

// --duration ends the recording early, and the files are finished and
// decodable.
func TestDurationFinalizesFiles(t *testing.T) {
	url := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep := receiveAsync(ctx, ReceiveConfig{Signal: signal.ClientConfig{URL: url, Room: "dur"}, Out: t.TempDir(), Duration: 1500 * time.Millisecond})
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		Send(sctx, SendConfig{Signal: signal.ClientConfig{URL: url, Room: "dur", Name: "snd"}, Files: []string{testdata("vp8.ivf"), testdata("opus-stereo.ogg")}})
	}()
	r := rep.wait(t)
	stop()
	within(t, sent, "sent")
	for _, kind := range []string{"video", "audio"} {
		path := findFile(t, r, "snd", kind)
		ffprobeClean(t, path)
		if d := mediatest.Duration(t, path); d < 0.8 || d > 1.6 {
			t.Fatalf("%s: %.3f s recorded in a 1.5 s session", kind, d)
		}
	}
}

// A full disk on one track is reported with the file's name, and the
// other track is recorded completely.
func TestFullDiskStopsOnlyThatTrack(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	url := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep := receiveAsync(ctx, ReceiveConfig{Signal: signal.ClientConfig{URL: url, Room: "full"}, Out: t.TempDir(), Count: 1,
		openFile: func(path string) (*os.File, error) {
			if strings.HasSuffix(path, ".ivf") {
				return os.OpenFile("/dev/full", os.O_WRONLY, 0)
			}
			return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		}})
	if _, err := Send(ctx, SendConfig{Signal: signal.ClientConfig{URL: url, Room: "full", Name: "snd"}, Files: []string{testdata("vp8.ivf"), testdata("opus-mono.ogg")}, Receivers: 1}); err != nil {
		t.Fatal(err)
	}
	r := rep.wait(t)
	var video *TrackReport
	for _, tr := range r.Tracks {
		if tr.Kind == "video" {
			video = tr
		}
	}
	if video == nil || !strings.Contains(video.Error, "no space") || !strings.Contains(video.Error, video.File) {
		t.Fatalf("video error %+v", video)
	}
	compareOgg(t, testdata("opus-mono.ogg"), findFile(t, r, "snd", "audio"))
}

// receive --out - writes the one chosen track to standard output, as a
// stream any player can read from a pipe.
func TestRecordToStdout(t *testing.T) {
	url := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	rep := receiveAsync(ctx, ReceiveConfig{Signal: signal.ClientConfig{URL: url, Room: "stdout"}, Stdout: &out, StdoutKind: "video"})
	if _, err := Send(ctx, SendConfig{Signal: signal.ClientConfig{URL: url, Room: "stdout", Name: "snd"}, Files: []string{testdata("vp8.ivf"), testdata("opus-mono.ogg")}, Receivers: 1}); err != nil {
		t.Fatal(err)
	}
	r := rep.wait(t)
	if len(r.Tracks) != 1 || r.Tracks[0].File != "-" || r.Tracks[0].Kind != "video" {
		t.Fatalf("tracks %+v", r.Tracks)
	}
	path := filepath.Join(t.TempDir(), "piped.ivf")
	os.WriteFile(path, out.Bytes(), 0o644)
	compareIVF(t, testdata("vp8.ivf"), path, false)
}
