package app

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// crashCase is a recording killed mid-way: what the sender sends, the
// receiver's --format, and the files it leaves.
type crashCase struct {
	name   string
	files  []string // testdata
	format string
	want   []string // file names in the sender's folder
}

var crashCases = []crashCase{
	{"ivf+ogg", []string{"vp8.ivf", "opus-stereo.ogg"}, "", []string{"video.ivf", "audio.ogg"}},
	{"h264", []string{"h264.h264", "opus-stereo.ogg"}, "", []string{"video.h264", "audio.ogg"}},
	{"webm", []string{"vp8.ivf", "opus-stereo.ogg"}, "webm", []string{"recording.webm"}},
	{"mkv", []string{"h264.h264", "opus-stereo.ogg"}, "mkv", []string{"recording.mkv"}},
	{"mp4", []string{"h264.h264", "opus-stereo.ogg"}, "mp4", []string{"recording.mp4"}},
	{"fmp4", []string{"vp9.ivf", "opus-stereo.ogg"}, "fmp4", []string{"recording.mp4"}},
}

// receive is killed with SIGKILL 3 s into a 6 s recording: every file it
// leaves decodes without a word from ffmpeg up to the cut, and holds at
// least the first 1.5 s of video (the frames before the last cluster or
// fragment boundary, whatever the container's).
func TestRecordingsSurviveSIGKILL(t *testing.T) {
	ffmpeg := mediatest.RequireTool(t, "ffmpeg")
	cli := goBuild(t, t.TempDir(), "./cmd/webrtc-cli")
	url := startServer(t)
	for _, c := range crashCases {
		t.Run(c.name, func(t *testing.T) {
			out := killedRecording(t, cli, url, c)
			for _, name := range c.want {
				path := filepath.Join(out, "tx", name)
				perStream := decodeClean(t, ffmpeg, path)
				t.Logf("%s: frames per stream %v", name, perStream)
				for i, n := range perStream {
					if min := 45; n < min { // 1.5 s of 30 fps video, or of 50 Opus packets a second
						t.Errorf("%s: stream %d: %d frames decode, want at least %d", name, i, n, min)
					}
				}
				if len(perStream) == 0 {
					t.Errorf("%s: no stream decodes", name)
				}
				repaired(t, cli, ffmpeg, path, perStream)
			}
		})
	}
}

// killedRecording runs receive in a process of its own, the sender in
// this one with looped files for 6 s, and kills receive 3 s after it
// started recording. It returns receive's --out.
func killedRecording(t *testing.T, cli, url string, c crashCase) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out := t.TempDir()
	room := "crash-" + strings.ReplaceAll(c.name, "+", "-")
	args := []string{"receive", "--server", url, "--room", room, "--out", out}
	if c.format != "" {
		args = append(args, "--format", c.format)
	}
	recv := startProc(t, "receive", exec.Command(cli, args...))
	recv.waitFor(t, ctx, "the receiver joining", contains("joined"))
	var files []string
	for _, f := range c.files {
		files = append(files, testdata(f))
	}
	sctx, stop := context.WithTimeout(ctx, 6*time.Second)
	defer stop()
	sent := make(chan error, 1)
	go func() {
		_, err := Send(sctx, SendConfig{Signal: signal.ClientConfig{URL: url, Room: room, Name: "tx"}, Files: files, Loop: true, Logger: testLogger(t)})
		sent <- err
	}()
	recv.waitFor(t, ctx, "recording", contains("recording track"))
	kill := time.NewTimer(3 * time.Second) // the scenario's cut, not a wait for an event
	defer kill.Stop()
	select {
	case <-kill.C:
	case <-recv.done:
		t.Fatalf("receive ended before it was killed:\n%s", recv.output())
	}
	recv.cmd.Process.Signal(syscall.SIGKILL)
	recv.wait(t, 5*time.Second)
	stop()
	<-sent
	return out
}

// decodeClean decodes every stream of path with ffmpeg, fails the test on
// any message it prints, and returns the frames (video) or audio frames
// decoded, per stream.
func decodeClean(t *testing.T, ffmpeg, path string) []int {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(ffmpeg, "-v", "error", "-i", path, "-f", "framemd5", "-")
	cmd.Stderr = &stderr
	md5s, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Errorf("%s does not decode cleanly: %v\n%s", path, err, stderr.String())
	}
	var frames []int
	for _, line := range strings.Split(string(md5s), "\n") {
		idx, _, ok := strings.Cut(line, ",")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		i, err := strconv.Atoi(strings.TrimSpace(idx))
		if err != nil {
			continue
		}
		for len(frames) <= i {
			frames = append(frames, 0)
		}
		frames[i]++
	}
	return frames
}

// repaired runs `webrtc-cli repair` on a file a crash left: it succeeds,
// every frame still decodes, and (but for raw H264, which has no
// duration) ffprobe reads a duration and seeking to the middle decodes.
func repaired(t *testing.T, cli, ffmpeg, path string, before []int) {
	t.Helper()
	out, err := exec.Command(cli, "repair", path).CombinedOutput()
	t.Logf("repair: %s", bytes.TrimSpace(out))
	if err != nil {
		t.Fatalf("repair %s: %v", path, err)
	}
	if after := decodeClean(t, ffmpeg, path); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("%s: frames per stream %v after repair, %v before", path, after, before)
	}
	if strings.HasSuffix(path, ".h264") {
		return
	}
	d := probeDuration(t, path)
	if d < 1.5 {
		t.Errorf("%s: duration %.3f s after repair", path, d)
	}
	seek := exec.Command(ffmpeg, "-v", "error", "-ss", strconv.FormatFloat(d/2, 'f', 2, 64), "-i", path, "-f", "null", "-")
	if msg, err := seek.CombinedOutput(); err != nil || len(msg) > 0 {
		t.Errorf("%s: seeking to %.2f s: %v %s", path, d/2, err, msg)
	}
}
