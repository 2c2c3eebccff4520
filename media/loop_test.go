package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestLoopContinuous plays a file three times: timestamps go on from one
// pass to the next by the file's length, and the data repeats.
func TestLoopContinuous(t *testing.T) {
	path := filepath.Join("..", "testdata", "vp8.ivf")
	once := readAllT(t, path)
	src, err := Loop(func() (Source, error) { return Open(path) })
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	n := len(once)
	period := once[n-1].Ticks + (once[n-1].Ticks - once[n-2].Ticks)
	for pass := range 3 {
		for i, want := range once {
			got, err := src.Next()
			if err != nil {
				t.Fatalf("pass %d frame %d: %v", pass, i, err)
			}
			if !bytes.Equal(got.Data, want.Data) || got.Ticks != want.Ticks+uint64(pass)*period {
				t.Fatalf("pass %d frame %d: ticks %d, want %d", pass, i, got.Ticks, want.Ticks+uint64(pass)*period)
			}
			if d := got.Offset - ticksToDuration(got.Ticks, 90000); d < -time.Millisecond || d > time.Millisecond {
				t.Fatalf("pass %d frame %d: offset %v for %d ticks", pass, i, got.Offset, got.Ticks)
			}
		}
	}
}

// TestLoopOneFrame is the file that used to spin a core: one frame, so no
// interval to repeat it by. It advances by 1/30 s per pass.
func TestLoopOneFrame(t *testing.T) {
	full, err := os.ReadFile(filepath.Join("..", "testdata", "vp8.ivf"))
	if err != nil {
		t.Fatal(err)
	}
	size := binary.LittleEndian.Uint32(full[32:])
	one := full[:32+12+size]
	path := filepath.Join(t.TempDir(), "one.ivf")
	if err := os.WriteFile(path, one, 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := Loop(func() (Source, error) { return Open(path) })
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for i := range 5 {
		s, err := src.Next()
		if err != nil {
			t.Fatal(err)
		}
		if want := uint64(i) * 3000; s.Ticks != want || s.Offset != time.Duration(i)*time.Second/30 {
			t.Fatalf("pass %d: ticks %d offset %v, want %d", i, s.Ticks, s.Offset, want)
		}
	}
}

func TestLoopEmptyAndMissing(t *testing.T) {
	if _, err := Loop(func() (Source, error) { return Open("no-such-file.ivf") }); err == nil {
		t.Fatal("Loop of a missing file succeeded")
	}
	calls := 0
	src, err := Loop(func() (Source, error) {
		calls++
		if calls > 1 {
			return nil, errors.New("gone")
		}
		return Open(filepath.Join("..", "testdata", "opus-mono.ogg"))
	})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for {
		if _, err := src.Next(); err != nil {
			if err.Error() != "gone" {
				t.Fatalf("err = %v, want the reopen's error", err)
			}
			return
		}
	}
}

func readAllT(t *testing.T, path string) []Sample {
	t.Helper()
	_, s, err := readAll(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
