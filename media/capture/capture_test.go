package capture

import (
	"context"
	"errors"
	"github.com/webrtc-cli/webrtc-cli/media"
	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
	"slices"
	"strings"
	"testing"
	"time"
)

func requireFFmpeg(t *testing.T) { mediatest.RequireTool(t, "ffmpeg") }

func TestArgs(t *testing.T) {
	cases := []struct {
		name         string
		cfg          Config
		want         []string
		video, audio bool
	}{
		{"linux camera and mic", Config{Device: "/dev/video0", AudioDevice: "default", FPS: 15, Size: "640x480"},
			[]string{"-f v4l2 -framerate 15 -video_size 640x480 -i /dev/video0", "-f alsa -i default", "-map 0:v:0", "-map 1:a:0", "libvpx", "pipe:3", "pipe:4"}, true, true},
		{"pulse", Config{AudioDevice: "pulse:default", OS: "linux"}, []string{"-f pulse -i default", "-map 0:a:0"}, false, true},
		{"mac", Config{Device: "0", OS: "darwin", Codec: "vp9"}, []string{"-f avfoundation -i 0", "libvpx-vp9"}, true, false},
		{"windows", Config{Device: "Cam", AudioDevice: "Mic", OS: "windows", Codec: "av1"}, []string{"-f dshow -i video=Cam", "-f dshow -i audio=Mic", "libaom-av1"}, true, true},
		{"ffmpeg input", Config{Input: `-re -f lavfi -i "testsrc2=size=320x240:rate=30" -f lavfi -i sine`}, []string{"-i testsrc2=size=320x240:rate=30", "-map 0:v:0", "-map 1:a:0"}, true, true},
	}
	for _, tc := range cases {
		args, v, a, err := Args(tc.cfg)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		line := strings.Join(args, " ")
		for _, w := range tc.want {
			if !strings.Contains(line, w) {
				t.Errorf("%s: %q lacks %q", tc.name, line, w)
			}
		}
		if v != tc.video || a != tc.audio {
			t.Errorf("%s: video %v audio %v", tc.name, v, a)
		}
	}
	for _, bad := range []Config{{}, {Input: "-f lavfi"}, {Device: "x", Codec: "h263"}, {Input: `-i "unterminated`}} {
		if _, _, _, err := Args(bad); err == nil {
			t.Errorf("Args(%+v) accepted", bad)
		}
	}
}

func TestSplitArgs(t *testing.T) {
	got, err := splitArgs(`-f lavfi -i 'a b' "c\"d" e\ f`)
	if err != nil || !slices.Equal(got, []string{"-f", "lavfi", "-i", "a b", `c"d`, "e f"}) {
		t.Fatalf("%q %v", got, err)
	}
}

func TestLiveTestPattern(t *testing.T) {
	requireFFmpeg(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := Start(ctx, Config{Input: "-re -f lavfi -i testsrc2=size=160x120:rate=30 -f lavfi -i sine=sample_rate=48000", Size: "160x120", FPS: 30})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Video.Track().Codec != media.VP8 || c.Audio.Track().Codec != media.Opus {
		t.Fatalf("tracks %+v %+v", c.Video.Track(), c.Audio.Track())
	}
	next := func(i int) {
		if _, err := c.Video.Next(); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	// What queued in the pipe while Start returned comes at once; after
	// that, -re makes it live: 60 frames at 30 fps take about two
	// seconds. (A window of two seconds, not one: ffmpeg starved of CPU
	// falls behind and then catches up in a burst.)
	for i := range 15 {
		next(i)
	}
	start := time.Now()
	for i := range 60 {
		next(15 + i)
	}
	if el := time.Since(start); el < 1200*time.Millisecond {
		t.Fatalf("60 live frames in %v: not real time", el)
	}
	if _, err := c.Audio.Next(); err != nil {
		t.Fatal(err)
	}
}

// Split mode (one ffmpeg per stream, as on Windows) delivers both
// streams too.
func TestSplitProcesses(t *testing.T) {
	requireFFmpeg(t)
	v, a, err := SplitArgs(Config{Input: "-re -f lavfi -i testsrc2=size=160x120:rate=30 -f lavfi -i sine -t 5"})
	if err != nil || strings.Contains(strings.Join(v, " "), "sine") || !strings.Contains(strings.Join(a, " "), "sine") ||
		!strings.Contains(strings.Join(v, " "), "pipe:1") || !strings.Contains(strings.Join(a, " "), "-t 5") {
		t.Fatalf("split args\nvideo %q\naudio %q\n%v", v, a, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := Start(ctx, Config{Input: "-re -f lavfi -i testsrc2=size=160x120:rate=30 -f lavfi -i sine=sample_rate=48000", Split: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if len(c.procs) != 2 || c.Video == nil || c.Audio == nil {
		t.Fatalf("%d processes", len(c.procs))
	}
	for i := range 5 {
		if _, err := c.Video.Next(); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if _, err := c.Audio.Next(); err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
	}
	if _, err := Start(ctx, Config{Device: "/dev/no-such-camera", OS: "linux", Split: true}); err == nil || !strings.Contains(err.Error(), "ffmpeg failed") {
		t.Fatalf("bad device, split: %v", err)
	}
}

func TestLiveH264(t *testing.T) {
	requireFFmpeg(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := Start(ctx, Config{Input: "-re -f lavfi -i testsrc2=size=160x120:rate=30", Codec: "h264", FPS: 30})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if tr := c.Video.Track(); tr.Codec != media.H264 || tr.Fmtp == "" {
		t.Fatalf("track %+v", tr)
	}
	for i := range 10 {
		if _, err := c.Video.Next(); err != nil {
			t.Fatalf("access unit %d: %v", i, err)
		}
	}
}

func TestFFmpegFailures(t *testing.T) {
	requireFFmpeg(t)
	ctx := context.Background()
	_, err := Start(ctx, Config{Device: "/dev/no-such-camera", OS: "linux"})
	if err == nil || !strings.Contains(err.Error(), "ffmpeg failed") {
		t.Fatalf("bad device: %v", err)
	}
	_, err = Start(ctx, Config{Input: "-f lavfi -i testsrc2", FFmpeg: "/nonexistent/ffmpeg"})
	if !errors.Is(err, ErrNoFFmpeg) {
		t.Fatalf("missing ffmpeg: %v", err)
	}
	// Killed mid-stream: the reader sees the end and Err says why.
	c, err := Start(ctx, Config{Input: "-re -f lavfi -i testsrc2=size=160x120:rate=30"})
	if err != nil {
		t.Fatal(err)
	}
	c.procs[0].cmd.Process.Kill()
	for {
		if _, err := c.Video.Next(); err != nil {
			break
		}
	}
	<-c.Done()
	if c.Err() == nil || !strings.Contains(c.Err().Error(), "killed") {
		t.Fatalf("killed ffmpeg: %v", c.Err())
	}
}
