package app

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media"
	"github.com/webrtc-cli/webrtc-cli/media/capture"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// A live source (ffmpeg's test pattern and sine standing in for a camera
// and a microphone) shared by two receivers, one joining 3 s late: both
// record decodable files, the late one from a keyframe.
func TestLiveSourceLateReceiver(t *testing.T) {
	requireTool(t, "ffmpeg")
	url := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cap := startTestCapture(t, ctx)
	first := make(chan struct{}, 1)
	early := receiveAsync(ctx, ReceiveConfig{Signal: signal.ClientConfig{URL: url, Room: "live", Name: "early"}, Out: t.TempDir(), Duration: 5 * time.Second,
		onFirstFrame: func() {
			select {
			case first <- struct{}{}:
			default:
			}
		}})
	sctx, stop := context.WithCancel(ctx)
	sent := make(chan error, 1)
	go func() {
		_, err := Send(sctx, SendConfig{Signal: signal.ClientConfig{URL: url, Room: "live", Name: "cam"}, Live: &LiveInput{Sources: []media.Source{cap.Video, cap.Audio}, Wait: cap.Wait}})
		sent <- err
	}()
	within(t, first, "first")
	joinLate := time.After(3 * time.Second)
	within(t, joinLate, "joinLate")
	late := receiveAsync(ctx, ReceiveConfig{Signal: signal.ClientConfig{URL: url, Room: "live", Name: "late"}, Out: t.TempDir(), Duration: 1500 * time.Millisecond})
	re, rl := early.wait(t), late.wait(t)
	stop()
	if err := within(t, sent, "send to return"); err != nil {
		t.Fatal(err)
	}
	for name, rep := range map[string]*Report{"early": re, "late": rl} {
		for _, kind := range []string{"video", "audio"} {
			path := findFile(t, rep, "cam", kind)
			ffprobeClean(t, path)
			if kind == "video" {
				_, frames := samplesOf(t, path)
				if len(frames) < 20 || !frames[0].Keyframe {
					t.Fatalf("%s: %d frames, first a keyframe: %v", name, len(frames), len(frames) > 0 && frames[0].Keyframe)
				}
			}
		}
	}
	_, ef := samplesOf(t, findFile(t, re, "cam", "video"))
	_, lf := samplesOf(t, findFile(t, rl, "cam", "video"))
	if string(ef[0].Data) == string(lf[0].Data) {
		t.Fatal("the late receiver's recording starts with the early one's first frame")
	}
}

// startTestCapture runs ffmpeg's test pattern and tone at 30 fps, a
// keyframe every 15 frames, until the test ends.
func startTestCapture(t *testing.T, ctx context.Context) *capture.Capture {
	t.Helper()
	requireTool(t, "ffmpeg")
	cap, err := capture.Start(ctx, capture.Config{
		Input: "-re -f lavfi -i testsrc2=size=320x240:rate=30 -f lavfi -i sine=frequency=440:sample_rate=48000",
		FPS:   30, Keyint: 15,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cap.Close() })
	return cap
}

// ffmpeg dying mid-stream ends the sender with ffmpeg's error.
func TestLiveSourceDies(t *testing.T) {
	requireTool(t, "ffmpeg")
	url := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cap, err := capture.Start(ctx, capture.Config{Input: "-re -f lavfi -i testsrc2=size=160x120:rate=30"})
	if err != nil {
		t.Fatal(err)
	}
	defer cap.Close()
	sent := make(chan error, 1)
	go func() {
		_, err := Send(ctx, SendConfig{Signal: signal.ClientConfig{URL: url, Room: "dies"}, Live: &LiveInput{Sources: []media.Source{cap.Video}, Wait: cap.Wait}})
		sent <- err
	}()
	// Start returned, so ffmpeg is producing frames: kill it mid-stream.
	// (The test must not read the source itself: Send's reader owns it.)
	p, _ := os.FindProcess(cap.PID())
	p.Kill()
	select {
	case err := <-sent:
		if err == nil {
			t.Fatal("sender ended cleanly after ffmpeg was killed")
		}
	case <-ctx.Done():
		t.Fatal("sender did not notice ffmpeg dying")
	}
}

// A file piped in (send --file -) is read once, paced by its timestamps,
// and arrives exact; the sender ends once its receiver has it all.
func TestPipedFileIsPacedAndExact(t *testing.T) {
	url := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	joined := make(chan struct{})
	rep := receiveAsync(ctx, ReceiveConfig{Signal: signal.ClientConfig{URL: url, Room: "pipe"}, Out: t.TempDir(), Count: 1,
		onJoined: func(string) { close(joined) }})
	f, err := os.Open(testdata("vp8.ivf"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := media.NewSource(f)
	if err != nil {
		t.Fatal(err)
	}
	within(t, joined, "joined") // in the room first, so it gets the stream from its first frame
	start := time.Now()
	if _, err := Send(ctx, SendConfig{Signal: signal.ClientConfig{URL: url, Room: "pipe", Name: "pipe"}, Live: &LiveInput{Sources: []media.Source{src}, Paced: true}}); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 2900*time.Millisecond {
		t.Fatalf("a 3 s file went out in %v: not paced", el)
	}
	compareIVF(t, testdata("vp8.ivf"), findFile(t, rep.wait(t), "pipe", "video"), false)
}

// A live H264 capture: the receiver starts at an IDR (SPS/PPS repeated
// before every one) and records a decodable Annex-B file.
func TestLiveH264(t *testing.T) {
	requireTool(t, "ffmpeg")
	url := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cap, err := capture.Start(ctx, capture.Config{Input: "-re -f lavfi -i testsrc2=size=320x240:rate=30", Codec: "h264", FPS: 30, Keyint: 15})
	if err != nil {
		t.Fatal(err)
	}
	defer cap.Close()
	rep := receiveAsync(ctx, ReceiveConfig{Signal: signal.ClientConfig{URL: url, Room: "live264"}, Out: t.TempDir(), Duration: 2 * time.Second})
	sctx, stop := context.WithCancel(ctx)
	sent := make(chan error, 1)
	go func() {
		_, err := Send(sctx, SendConfig{Signal: signal.ClientConfig{URL: url, Room: "live264", Name: "cam"}, Live: &LiveInput{Sources: []media.Source{cap.Video}, Wait: cap.Wait}})
		sent <- err
	}()
	r := rep.wait(t)
	stop()
	if err := within(t, sent, "send to return"); err != nil {
		t.Fatal(err)
	}
	path := findFile(t, r, "cam", "video")
	ffprobeClean(t, path)
	if _, aus := samplesOf(t, path); len(aus) < 20 {
		t.Fatalf("%d access units in 2 s of live H264", len(aus))
	}
}

// Standard input can be one of the files: the pipe and the file beside it
// go out as one playback, and both arrive exact.
func TestStdinBesideAFile(t *testing.T) {
	url := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep := receiveAsync(ctx, ReceiveConfig{Signal: signal.ClientConfig{URL: url, Room: "pipe2"}, Out: t.TempDir(), Count: 1})
	f, err := os.Open(testdata("vp8.ivf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sent, err := Send(ctx, SendConfig{Signal: signal.ClientConfig{URL: url, Room: "pipe2", Name: "pipe"},
		Files: []string{"-", testdata("opus-mono.ogg")}, Stdin: f, Receivers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(sent.Tracks) != 2 || sent.Tracks[0].File != "-" || sent.Tracks[1].File != testdata("opus-mono.ogg") ||
		len(sent.Inputs) != 2 || sent.Peers() != 1 {
		t.Fatalf("sent inputs %v, tracks %+v", sent.Inputs, sent.Tracks)
	}
	r := rep.wait(t)
	compareIVF(t, testdata("vp8.ivf"), findFile(t, r, "pipe", "video"), false)
	compareOgg(t, testdata("opus-mono.ogg"), findFile(t, r, "pipe", "audio"))
}

func TestStdinOnlyOnce(t *testing.T) {
	f, err := os.Open(testdata("vp8.ivf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = Send(context.Background(), SendConfig{Signal: signal.ClientConfig{URL: "ws://127.0.0.1:1/ws"},
		Files: []string{"-", "-"}, Stdin: f})
	if err == nil || !strings.Contains(err.Error(), "only one of the files") {
		t.Fatalf("err %v", err)
	}
}
