package ivf

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// writeUnclosed writes frames like a recorder killed before Close: no
// Length in the header; cut bytes off the end (0: none).
func writeUnclosed(t *testing.T, frames, cut int) string {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf, "VP80")
	key := []byte{0x50, 0x2d, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, 1, 2, 3}
	for i := range frames {
		if err := w.WriteFrame(key, uint64(i)*3000); err != nil {
			t.Fatal(err)
		}
	}
	w.bw.Flush()
	b := buf.Bytes()[:buf.Len()-cut]
	path := filepath.Join(t.TempDir(), "v.ivf")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func repairFile(t *testing.T, path string) (RepairResult, error) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return Repair(f)
}

// Repair writes the Length a killed writer left at 0, cuts off a frame
// left half-written, and leaves a whole file alone the second time.
func TestRepair(t *testing.T) {
	for _, cut := range []int{0, 5} {
		path := writeUnclosed(t, 30, cut)
		res, err := repairFile(t, path)
		if err != nil {
			t.Fatal(err)
		}
		want := 30
		if cut > 0 {
			want = 29
		}
		if res.Frames != want || !res.Changed || (cut > 0) != (res.Truncated > 0) {
			t.Errorf("cut %d: %+v", cut, res)
		}
		// frames * span / (frames-1): 29 intervals of 3000 ticks plus one.
		if wantLen := uint32(want * 3000); res.Length != wantLen {
			t.Errorf("cut %d: Length %d, want %d", cut, res.Length, wantLen)
		}
		f, _ := os.Open(path)
		r, err := NewReader(f)
		if err != nil || r.Header().Length != res.Length {
			t.Errorf("header after repair: %+v, %v", r.Header(), err)
		}
		n := 0
		for ; ; n++ {
			if _, err := r.Next(); err != nil {
				break
			}
		}
		f.Close()
		if n != want {
			t.Errorf("%d frames read after repair, want %d", n, want)
		}
		before, _ := os.ReadFile(path)
		res, err = repairFile(t, path)
		after, _ := os.ReadFile(path)
		if err != nil || res.Changed || !bytes.Equal(before, after) {
			t.Errorf("second repair: %+v, %v", res, err)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad")
	os.WriteFile(bad, []byte("not an ivf file at all, sorry"), 0o644)
	if _, err := repairFile(t, bad); err == nil {
		t.Error("repaired a file that is no IVF")
	}
}
