package mp4

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// decodeVideo decodes every stream of path and returns the MD5 of each
// video frame and what ffmpeg printed at level error.
func decodeVideo(t testing.TB, path string) (sums []string, stderr string) {
	t.Helper()
	var out, msg bytes.Buffer
	cmd := exec.Command(requireTool(t, "ffmpeg"), "-nostdin", "-v", "error", "-i", path,
		"-map", "0:v", "-f", "framemd5", "-", "-map", "0:a", "-f", "null", "-")
	cmd.Stdout, cmd.Stderr = &out, &msg
	if err := cmd.Run(); err != nil {
		return nil, msg.String() + err.Error()
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if line != "" && line[0] != '#' {
			f := strings.Split(line, ",")
			sums = append(sums, strings.TrimSpace(f[len(f)-1]))
		}
	}
	return sums, msg.String()
}

// checkPrefix checks that the file at path decodes without a complaint
// to at least n video frames, each the source's.
func checkPrefix(t *testing.T, path string, n int, want []string) {
	t.Helper()
	got, msg := decodeVideo(t, path)
	if msg != "" {
		t.Errorf("ffmpeg: %s", msg)
	}
	if len(got) < n || len(got) > len(want) || fmt.Sprint(got) != fmt.Sprint(want[:len(got)]) {
		t.Errorf("decoded %d frames, want the source's first %d at least", len(got), n)
	}
}

// recorder is a destination that cannot seek and notes, at each Write
// (the header, then one fragment), the file's size and how many video
// frames it then holds.
type recorder struct {
	bytes.Buffer
	w     *Writer
	video int
	cuts  []cut
}

type cut struct{ size, video int }

func (r *recorder) Write(b []byte) (int, error) {
	if v := r.w.video; v != nil {
		r.video += len(v.frag.samples)
	}
	n, err := r.Buffer.Write(b)
	r.cuts = append(r.cuts, cut{r.Len(), r.video})
	return n, err
}

// TestCrashCut cuts a recording after each fragment, as a crash leaves it
// (each fragment is one Write), and checks every frame of the complete
// fragments decodes, the source's, and nothing else is reported.
func TestCrashCut(t *testing.T) {
	requireTool(t, "ffmpeg")
	for _, c := range videoCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			want := frameMD5(t, mediatest.Testdata(c.source))
			r := &recorder{}
			w, err := NewWriter(r, []TrackSpec{{Codec: c.codec}, opusSpec}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			r.w = w
			writeFrames(t, w, interleave(c.frames(t), oggFrames(t, "opus-stereo.ogg", 1)))
			if len(r.cuts) < 3 {
				t.Fatalf("only %d writes", len(r.cuts))
			}
			for i, cut := range r.cuts[1:] {
				path := filepath.Join(t.TempDir(), fmt.Sprintf("cut%d.mp4", i))
				if err := os.WriteFile(path, r.Bytes()[:cut.size], 0o644); err != nil {
					t.Fatal(err)
				}
				checkPrefix(t, path, cut.video, want)
			}
		})
	}
}

// TestCrashHalf writes half of a recording to a file and copies the file
// as it is, without Close: what a SIGKILL leaves.
func TestCrashHalf(t *testing.T) {
	requireTool(t, "ffmpeg")
	c := videoCases[0]
	frames := interleave(c.frames(t), oggFrames(t, "opus-stereo.ogg", 1))
	path := filepath.Join(t.TempDir(), "half.mp4")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := NewWriter(f, []TrackSpec{{Codec: c.codec}, opusSpec}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeFrames(t, w, frames[:len(frames)/2])
	copied := filepath.Join(t.TempDir(), "copy.mp4")
	if err := os.WriteFile(copied, readFile(t, path), 0o644); err != nil {
		t.Fatal(err)
	}
	flushed := len(w.video.tab.sizes) - len(w.video.frag.samples)
	if flushed < 25 {
		t.Fatalf("only %d frames in complete fragments", flushed)
	}
	checkPrefix(t, copied, flushed, frameMD5(t, mediatest.Testdata(c.source)))
}

var errCrash = errors.New("crashed")

// crashFile is a file whose process dies at the crashAt-th WriteAt: that
// write and every later one do not happen, but for half of a long write.
type crashFile struct {
	*os.File
	calls, crashAt int
}

func (f *crashFile) WriteAt(b []byte, off int64) (int, error) {
	f.calls++
	if f.calls < f.crashAt {
		return f.File.WriteAt(b, off)
	}
	if f.calls == f.crashAt && len(b) > 8 {
		n, _ := f.File.WriteAt(b[:len(b)/2], off)
		return n, errCrash
	}
	return 0, errCrash
}

// TestCrashInClose stops Close at each of its writes in turn, as a crash
// would, and checks the file then plays in full every time: Close never
// leaves a damaged file, whether it moves the fragments or not.
func TestCrashInClose(t *testing.T) {
	requireTool(t, "ffmpeg")
	c := videoCases[0]
	frames := interleave(c.frames(t), oggFrames(t, "opus-stereo.ogg", 1))
	want := frameMD5(t, mediatest.Testdata(c.source))
	for _, reserve := range []int{0, defaultReserve} {
		for crashAt := 1; ; crashAt++ {
			path := filepath.Join(t.TempDir(), "crash.mp4")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			cf := &crashFile{File: f, crashAt: crashAt}
			w, err := NewWriter(cf, []TrackSpec{{Codec: c.codec}, opusSpec}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			w.lay.reserve = reserve
			writeFrames(t, w, frames)
			err = w.Close()
			f.Close()
			if err == nil {
				t.Logf("reserve %d: Close makes %d writes", reserve, crashAt-1)
				break
			}
			if !errors.Is(err, errCrash) || !errors.Is(err, ErrWrite) {
				t.Fatalf("Close: %v, want ErrWrite wrapping the crash", err)
			}
			t.Run(fmt.Sprintf("reserve %d crash at %d", reserve, crashAt), func(t *testing.T) {
				checkPrefix(t, path, len(want), want)
			})
		}
	}
}

// TestWriteError checks that a failing destination gives a sticky
// ErrWrite wrapping the cause.
func TestWriteError(t *testing.T) {
	frames := interleave(h264Frames(t), oggFrames(t, "opus-stereo.ogg", 1))
	for _, limit := range []int{0, 10, 3000, 50000} {
		w, err := NewWriter(&mediatest.FailAfter{N: limit}, []TrackSpec{{Codec: CodecH264}, opusSpec}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range frames {
			if err = w.WriteFrame(f.track, f.data, f.pts, f.key); err != nil {
				break
			}
		}
		if !errors.Is(err, ErrWrite) || !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("limit %d: err = %v, want ErrWrite wrapping ENOSPC", limit, err)
		}
		if err2 := w.WriteFrame(1, frames[1].data, 1<<40, true); !errors.Is(err2, syscall.ENOSPC) {
			t.Errorf("limit %d: next write err = %v, want the same failure", limit, err2)
		}
		if err2 := w.Close(); !errors.Is(err2, syscall.ENOSPC) {
			t.Errorf("limit %d: Close err = %v, want the same failure", limit, err2)
		}
	}
}

// TestWriteOnly finishes files opened write-only: when the moov fits,
// Close needs no read and succeeds; when the fragments must move, it
// fails with ErrWrite and leaves the fragmented file, which plays.
func TestWriteOnly(t *testing.T) {
	requireTool(t, "ffmpeg")
	c := videoCases[0]
	frames := interleave(c.frames(t), oggFrames(t, "opus-stereo.ogg", 1))
	want := frameMD5(t, mediatest.Testdata(c.source))
	for _, reserve := range []int{defaultReserve, 0} {
		path := filepath.Join(t.TempDir(), "wronly.mp4")
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		w, err := NewWriter(f, []TrackSpec{{Codec: c.codec}, opusSpec}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		w.lay.reserve = reserve
		writeFrames(t, w, frames)
		err = w.Close()
		f.Close()
		if reserve > 0 && err != nil || reserve == 0 && !errors.Is(err, ErrWrite) {
			t.Errorf("reserve %d: Close: %v", reserve, err)
		}
		checkPrefix(t, path, len(want), want)
	}
}
