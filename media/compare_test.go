package media

import (
	"os"
	"path/filepath"
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
