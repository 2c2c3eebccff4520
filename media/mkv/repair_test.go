package mkv

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// recordingCut writes the VP8 and Opus of testdata through a Writer that
// cannot seek (what a recorder killed before Close leaves: unknown sizes,
// no Cues, no Duration) and returns the file, cut after cut bytes
// (0: whole).
func recordingCut(t *testing.T, cut int) string {
	t.Helper()
	var buf bytes.Buffer
	writeFixtures(t, &buf, buf.Len)
	b := buf.Bytes()
	if cut > 0 {
		b = b[:cut]
	}
	path := filepath.Join(t.TempDir(), "crashed.webm")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func duration(t *testing.T, path string) float64 {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	d, _ := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	return d
}

// A recording killed before Close has no Duration and no Cues; Repair
// gives it both, in place: the duration ffprobe reads is the recording's,
// seeking works, every frame still decodes, and a second Repair changes
// nothing.
func TestRepair(t *testing.T) {
	mediatest.RequireTool(t, "ffprobe")
	ffmpeg := mediatest.RequireTool(t, "ffmpeg")
	whole := recordingCut(t, 0)
	size := fileSize(t, whole)
	for _, cut := range []int{0, size - 7, size * 2 / 3} {
		t.Run(strconv.Itoa(cut), func(t *testing.T) {
			path := recordingCut(t, cut)
			before := framesOf(t, ffmpeg, path)
			if d := duration(t, path); d != 0 {
				t.Logf("before: duration %v", d)
			}
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Repair(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%+v", res)
			if res.Finished || res.Clusters == 0 || res.Blocks == 0 {
				t.Fatalf("result %+v", res)
			}
			if cut != 0 && cut == size-7 && res.Truncated == 0 {
				t.Error("a block cut in half was not removed")
			}
			if out := mediatest.DecodeErrors(t, path); out != "" {
				t.Fatalf("the repaired file decodes with errors:\n%s", out)
			}
			if after := framesOf(t, ffmpeg, path); after != before {
				t.Errorf("%d frames decode after, %d before", after, before)
			}
			d := duration(t, path)
			if want := res.Duration.Seconds(); d <= 0 || d < want-0.05 || d > want+0.05 {
				t.Errorf("ffprobe duration %v, want %v", d, want)
			}
			cues := exec.Command(ffmpeg, "-v", "error", "-ss", strconv.FormatFloat(d/2, 'f', 2, 64), "-i", path, "-frames:v", "1", "-f", "null", "-")
			if out, err := cues.CombinedOutput(); err != nil || len(out) > 0 {
				t.Errorf("seeking to the middle: %v %s", err, out)
			}
			again, _ := os.ReadFile(path)
			f, _ = os.OpenFile(path, os.O_RDWR, 0)
			res, err = Repair(f)
			f.Close()
			now, _ := os.ReadFile(path)
			if err != nil || !res.Finished || !bytes.Equal(again, now) {
				t.Errorf("a second Repair: %+v, %v, file changed %v", res, err, !bytes.Equal(again, now))
			}
		})
	}
}

// A file finished by Close, and files that are not recordings, are left
// as they are.
func TestRepairLeavesOthersAlone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "closed.webm")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := writeFixtures(t, f, func() int { return 0 })
	w.Close()
	res, err := Repair(f)
	f.Close()
	if err != nil || !res.Finished {
		t.Errorf("finished file: %+v, %v", res, err)
	}
	for name, b := range map[string][]byte{"empty": nil, "text": []byte("hello, this is no video"), "ebml only": {0x1A, 0x45, 0xDF, 0xA3, 0x80}} {
		p := filepath.Join(t.TempDir(), "x")
		os.WriteFile(p, b, 0o644)
		f, _ := os.OpenFile(p, os.O_RDWR, 0)
		_, err := Repair(f)
		f.Close()
		got, _ := os.ReadFile(p)
		if err == nil || !bytes.Equal(got, b) {
			t.Errorf("%s: %v, unchanged %v", name, err, bytes.Equal(got, b))
		}
	}
}

func FuzzRepair(f *testing.F) {
	f.Add([]byte{0x1A, 0x45, 0xDF, 0xA3, 0x80, 0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "f.mkv")
		os.WriteFile(p, b, 0o644)
		fh, err := os.OpenFile(p, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		Repair(fh)
	})
}

func fileSize(t *testing.T, p string) int {
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return int(st.Size())
}

func framesOf(t *testing.T, ffmpeg, path string) int {
	t.Helper()
	out, _ := exec.Command(ffmpeg, "-v", "quiet", "-i", path, "-f", "framemd5", "-").Output()
	n := 0
	for _, l := range strings.Split(string(out), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			n++
		}
	}
	return n
}
