package synth

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webrtc-cli/webrtc-cli/media"
	"github.com/webrtc-cli/webrtc-cli/media/ivf"
	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// Synthetic video at 1 Mbit/s is a valid VP8 stream: ffmpeg decodes every
// frame without a word of complaint; frames have the bitrate's size,
// keyframes come every 2 s, and no two frames are the same.
func TestVideoDecodes(t *testing.T) {
	ffmpeg := mediatest.RequireTool(t, "ffmpeg")
	src, err := NewVideo(Config{Bitrate: 1_000_000})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "synth.ivf")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := ivf.NewWriter(f, "VP80")
	seen := map[string]bool{}
	const frames = 150
	for i := range frames {
		s, err := src.Next()
		if err != nil {
			t.Fatal(err)
		}
		if want := 1_000_000 / 8 / 30; len(s.Data) != want {
			t.Fatalf("frame %d: %d bytes, want %d", i, len(s.Data), want)
		}
		if s.Keyframe != (i%60 == 0) || s.Keyframe != media.VP8.Keyframe(s.Data) {
			t.Fatalf("frame %d: keyframe %v", i, s.Keyframe)
		}
		if s.Ticks != uint64(i)*3000 {
			t.Fatalf("frame %d at %d ticks", i, s.Ticks)
		}
		seen[string(s.Data)] = true
		if err := w.WriteFrame(s.Data, s.Ticks/3000); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	f.Close()
	if len(seen) != frames {
		t.Errorf("%d distinct frames of %d", len(seen), frames)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(ffmpeg, "-v", "error", "-i", path, "-f", "framemd5", "-")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("ffmpeg: %v: %s", err, stderr.String())
	}
	if n := strings.Count(string(out), "\n0,"); n != frames {
		t.Errorf("ffmpeg decoded %d frames, want %d", n, frames)
	}
}

func TestAudio(t *testing.T) {
	a := NewAudio()
	for i := range 3 {
		s, _ := a.Next()
		if s.Ticks != uint64(i)*960 || s.Duration != 960 || len(s.Data) != 3 {
			t.Fatalf("packet %d: %+v", i, s)
		}
	}
	if _, err := NewVideo(Config{}); err == nil {
		t.Error("a video of no bitrate")
	}
}

func BenchmarkVideoNext(b *testing.B) {
	src, _ := NewVideo(Config{Bitrate: 1_000_000})
	b.ReportAllocs()
	for b.Loop() {
		src.Next()
	}
}
