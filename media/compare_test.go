package media

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCompare(t *testing.T) {
	src := filepath.Join("..", "testdata", "vp8.ivf")
	c, err := Compare(src, src)
	if err != nil || !c.Exact() || c.Source != 72 {
		t.Fatalf("a file against itself: %+v %v", c, err)
	}
	c, err = Compare(src, filepath.Join("..", "testdata", "vp9.ivf"))
	if err != nil || c.Exact() || c.FirstDifference != 0 {
		t.Fatalf("different files: %+v %v", c, err)
	}
	if _, err := Compare(src, filepath.Join("..", "testdata", "truncated.ivf")); err == nil {
		t.Fatal("truncated recording compared without error")
	}
	ogg := filepath.Join("..", "testdata", "opus-stereo.ogg")
	if c, err := Compare(ogg, ogg); err != nil || !c.Exact() {
		t.Fatalf("ogg against itself: %+v %v", c, err)
	}
}

// TestCompareLossy writes a recording of vp8.ivf with frames left out
// and one changed, as a receiver under loss would (or would not) write.
func TestCompareLossy(t *testing.T) {
	src := filepath.Join("..", "testdata", "vp8.ivf")
	_, samples, err := readAll(src)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, keep func(i int) bool, change int) string {
		path := filepath.Join(t.TempDir(), name)
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sink, err := NewSink(f, VP8, 0)
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range samples {
			if !keep(i) {
				continue
			}
			data := s.Data
			if i == change {
				data = append([]byte{0x42}, data[1:]...)
			}
			if err := sink.WriteFrame(Frame{Data: data, Timestamp: 1000 + s.Ticks, Keyframe: s.Keyframe}); err != nil {
				t.Fatal(err)
			}
		}
		if err := sink.Close(); err != nil {
			t.Fatal(err)
		}
		return path
	}
	// Frames 30-39 lost; the recording starts at frame 0.
	c, err := Compare(src, write("lost.ivf", func(i int) bool { return i < 30 || i >= 40 }, -1))
	if err != nil || c.Exact() || !c.Faithful() || c.Missing != 10 || c.Recorded != 62 || c.Start != 0 {
		t.Fatalf("10 frames lost: %+v %v", c, err)
	}
	// Starts at the second keyframe (24): faithful, not exact.
	c, err = Compare(src, write("late.ivf", func(i int) bool { return i >= 24 }, -1))
	if err != nil || c.Exact() || !c.Faithful() || c.Start != 24 || c.Missing != 0 {
		t.Fatalf("late start: %+v %v", c, err)
	}
	// One frame changed: neither.
	c, err = Compare(src, write("changed.ivf", func(int) bool { return true }, 50))
	if err != nil || c.Faithful() || c.FirstDifference != 50 || c.Identical != 71 {
		t.Fatalf("a changed frame: %+v %v", c, err)
	}
}

// Errors say first what is wrong, and once (issue 9, item 19).
func TestOpenErrorText(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir); err == nil || !strings.HasPrefix(err.Error(), dir+" is a directory") {
		t.Errorf("a directory: %v", err)
	}
	src, err := Open(filepath.Join("..", "testdata", "truncated.ivf"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for {
		if _, err = src.Next(); err != nil {
			break
		}
	}
	if msg := err.Error(); strings.Count(msg, "frame 10") != 1 || !strings.Contains(msg, "truncated") {
		t.Errorf("truncated IVF: %q", msg)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.bin")
	os.WriteFile(junk, []byte("hello world"), 0o644)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o644)
	for _, p := range []string{junk, empty, filepath.Join(dir, "missing")} {
		if _, err := Open(p); err == nil {
			t.Errorf("Open(%s) succeeded", p)
		}
	}
}
