package mp4

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// TestFinalizeLayouts finishes the same recording with the moov fitting
// in the reserve, with a reserve too small for it (the fragments move),
// with none, and with 64-bit chunk offsets, and checks each file.
func TestFinalizeLayouts(t *testing.T) {
	requireTool(t, "ffprobe")
	c := videoCases[0]
	video, audio := c.frames(t), oggFrames(t, "opus-stereo.ogg", 1)
	for _, l := range []struct {
		name    string
		reserve int
		co64    bool
		moved   bool
	}{
		{"fits", defaultReserve, false, false},
		{"tiny reserve", 16, false, true},
		{"no reserve", 0, false, true},
		{"co64", defaultReserve, true, false},
		{"co64 moved", 0, true, true},
	} {
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			var wr *Writer
			path := writeFile(t, "layout.mp4", []TrackSpec{{Codec: c.codec}, opusSpec}, Options{},
				interleave(video, audio), func(w *Writer) {
					wr, w.lay.reserve = w, l.reserve
					if l.co64 {
						w.lay.maxStco = 1000
					}
				})
			checkRegular(t, path)
			checkFile(t, path, c, video, audio)
			checkSeek(t, path, c, video)
			hasCo64 := bytes.Contains(readFile(t, path), []byte("co64"))
			if hasCo64 != l.co64 {
				t.Errorf("co64 %v, want %v", hasCo64, l.co64)
			}
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if moved := st.Size() > wr.written; moved != l.moved {
				t.Errorf("file of %d bytes, %d written while recording: moved %v, want %v", st.Size(), wr.written, moved, l.moved)
			}
		})
	}
}

// TestFinalizeLong records three minutes of VP9 with irregular frame
// times and Opus, many small frames whose moov does not fit the default
// reserve, and checks the finished file frame by frame.
func TestFinalizeLong(t *testing.T) {
	requireTool(t, "ffprobe")
	src := ivfFrames(t, "vp9.ivf")
	packets := oggFrames(t, "opus-stereo.ogg", 1)
	const loops = 60
	var video, audio []frame
	for i := range loops * len(src) {
		f := src[i%len(src)]
		f.pts = time.Duration(i)*33333*time.Microsecond + time.Duration(i%7)*100*time.Microsecond
		video = append(video, f)
	}
	for i := range loops * 3 * 50 {
		f := packets[i%len(packets)]
		f.pts = time.Duration(i) * 20 * time.Millisecond
		audio = append(audio, f)
	}
	var moovSize int64
	path := writeFile(t, "long.mp4", []TrackSpec{{Codec: CodecVP9}, opusSpec}, Options{}, interleave(video, audio), nil)
	for _, b := range topBoxes(t, path) {
		if b.typ == "moov" {
			moovSize = b.size
		}
	}
	if moovSize <= defaultReserve {
		t.Errorf("moov of %d bytes: the test wants one larger than the reserve", moovSize)
	}
	checkRegular(t, path)
	p := ffprobe(t, path)
	if len(p.Packets) != len(video)+len(audio) {
		t.Errorf("%d packets, wrote %d", len(p.Packets), len(video)+len(audio))
	}
	want := slices.Repeat(frameMD5(t, mediatest.Testdata("vp9.ivf")), loops)
	if got, msg := decodeVideo(t, path); msg != "" || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("decoded %d frames (want %d, the source's %d times): %s", len(got), len(want), loops, msg)
	}
}

// synthetic returns an H264 recording of n frames of about size bytes:
// the fixture's first keyframe, then made-up slices no decoder will see,
// and 20 ms Opus packets alongside.
func synthetic(t testing.TB, n, size int) []frame {
	t.Helper()
	key := h264Frames(t)[0].data
	delta := append([]byte{0, 0, 0, 1, 0x41}, bytes.Repeat([]byte{0xaa}, size)...)
	opus := oggFrames(t, "opus-stereo.ogg", 1)[0].data
	frames := []frame{{data: key, key: true}}
	for i := 1; i < n; i++ {
		frames = append(frames, frame{data: delta, pts: time.Duration(i) * 40 * time.Millisecond})
	}
	for i := range 2 * n {
		frames = append(frames, frame{track: 1, data: opus, pts: time.Duration(i) * 20 * time.Millisecond})
	}
	return interleave(frames)
}

// closeAlloc writes frames to a file and returns the bytes Close
// allocates and how long it takes.
func closeAlloc(t testing.TB, frames []frame, reserve int) (uint64, time.Duration, int64) {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "big.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := NewWriter(f, []TrackSpec{{Codec: CodecH264}, opusSpec}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	w.lay.reserve = reserve
	writeFrames(t, w, frames)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, took, w.written
}

// TestCloseMemory checks that Close allocates for the sample tables and a
// copy buffer, not for the media: finishing 10 MB and 50 MB recordings of
// as many frames, with the fragments moved, allocates under 4 MB, and
// the same for both but for the copy buffer, which grows with the largest
// fragment up to 1 MiB.
func TestCloseMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 60 MB")
	}
	small, _, _ := closeAlloc(t, synthetic(t, 1000, 10_000), 0)
	big, took, size := closeAlloc(t, synthetic(t, 1000, 50_000), 0)
	t.Logf("Close of %d MB moving the fragments: %v, %d KB allocated (%d KB for 10 MB)", size>>20, took, big>>10, small>>10)
	if big > 4<<20 {
		t.Errorf("Close allocated %d bytes for a %d-byte file", big, size)
	}
	if diff := int64(big) - int64(small); diff > copyBuf+128<<10 {
		t.Errorf("Close allocated %d bytes more for 5 times the media", diff)
	}
}

// BenchmarkClose measures finishing a large recording (MP4_BENCH_MB,
// 500 by default) just written, so in the page cache: with a reserve the
// moov fits in, and with none, every fragment moved.
func BenchmarkClose(b *testing.B) {
	mb := 500
	if s := os.Getenv("MP4_BENCH_MB"); s != "" {
		mb, _ = strconv.Atoi(s)
	}
	// 25 fps of 100 KB frames: 20 Mbit/s, 1 MiB fragments.
	frames := synthetic(b, mb*10, 100_000)
	for _, reserve := range []int{4 << 20, 0} {
		b.Run(fmt.Sprintf("reserve=%d", reserve), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				alloc, took, size := closeAlloc(b, frames, reserve)
				b.StartTimer()
				b.ReportMetric(float64(alloc)/(1<<20), "MB-alloc/op")
				b.ReportMetric(took.Seconds(), "s-close/op")
				b.ReportMetric(float64(size)/(1<<20), "MB-file")
			}
		})
	}
}

// TestLargeFile finishes a recording of over 4 GB, which needs 64-bit
// chunk offsets and a 64-bit mdat size. It writes 4.3 GB, so it runs only
// with MP4_LARGE=1.
func TestLargeFile(t *testing.T) {
	if os.Getenv("MP4_LARGE") == "" {
		t.Skip("writes 4.3 GB; set MP4_LARGE=1 to run it")
	}
	requireTool(t, "ffprobe")
	frames := synthetic(t, 43_000, 100_000)
	path := writeFile(t, "large.mp4", []TrackSpec{{Codec: CodecH264}, opusSpec}, Options{}, frames, nil)
	checkRegular(t, path)
	boxes := topBoxes(t, path)
	if last := boxes[len(boxes)-1]; last.typ != "mdat" || last.size <= 1<<32 {
		t.Errorf("boxes %v: want one mdat of over 4 GB last", boxes)
	}
	if !bytes.Contains(readFile(t, path)[:boxes[len(boxes)-1].at], []byte("co64")) {
		t.Error("no co64")
	}
	// The made-up slices make the decoder complain; the demuxer must not.
	var p probe
	msg := ffprobeErrors(t, path, &p)
	for _, line := range strings.Split(msg, "\n") {
		if strings.Contains(line, "mov,mp4") {
			t.Errorf("ffprobe: %s", line)
		}
	}
	if len(p.Packets) != len(frames) {
		t.Errorf("ffprobe read %d packets of %d", len(p.Packets), len(frames))
	}
}
