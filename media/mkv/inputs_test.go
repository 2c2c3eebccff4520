package mkv

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/av1"
	"github.com/webrtc-cli/webrtc-cli/media/h264"
	"github.com/webrtc-cli/webrtc-cli/media/ivf"
	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
	"github.com/webrtc-cli/webrtc-cli/media/ogg"
	"github.com/webrtc-cli/webrtc-cli/media/vp8"
	"github.com/webrtc-cli/webrtc-cli/media/vp9"
)

// frame is one input frame for a test.
type frame struct {
	track int
	data  []byte
	pts   time.Duration
	key   bool
}

// ivfFrames reads a fixture as frames of track 0.
func ivfFrames(t testing.TB, name string) []frame {
	t.Helper()
	return ivfFramesOf(t, mediatest.ReadTestdata(t, name))
}

func ivfFramesOf(t testing.TB, file []byte) []frame {
	t.Helper()
	r, err := ivf.NewReader(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	h := r.Header()
	var frames []frame
	for {
		f, err := r.Next()
		if errors.Is(err, io.EOF) {
			return frames
		}
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, frame{data: f.Data, pts: h.Duration(f.PTS), key: keyframeOf[h.FourCC](f.Data)})
	}
}

// keyframeOf is each IVF codec's keyframe test (media.Codec.Keyframe's,
// which this package cannot import).
var keyframeOf = map[string]func([]byte) bool{"VP80": vp8.IsKeyframe, "VP90": vp9.IsKeyframe, "AV01": av1.IsKeyframe}

// oggFrames reads a fixture as frames of the given track.
func oggFrames(t testing.TB, name string, track int) []frame {
	t.Helper()
	r, err := ogg.NewReader(bytes.NewReader(mediatest.ReadTestdata(t, name)))
	if err != nil {
		t.Fatal(err)
	}
	var frames []frame
	for {
		p, err := r.Next()
		if errors.Is(err, io.EOF) {
			return frames
		}
		if err != nil {
			t.Fatal(err)
		}
		pts := time.Duration(p.Start) * time.Second / 48000
		frames = append(frames, frame{track: track, data: p.Data, pts: pts, key: true})
	}
}

// h264Clip returns an H264 Annex-B clip without B-frames, as in WebRTC:
// testdata/h264.h264 if there is one, else a 3 s 30 fps one made with
// ffmpeg with access unit delimiters. Frames are timed by the frame rate
// ffprobe reports.
func h264Clip(t *testing.T) (string, []frame) {
	t.Helper()
	path := mediatest.Testdata("h264.h264")
	if _, err := os.Stat(path); err != nil {
		path = filepath.Join(t.TempDir(), "clip.h264")
		ff := requireTool(t, "ffmpeg")
		out, err := exec.Command(ff, "-nostdin", "-v", "error", "-f", "lavfi",
			"-i", "testsrc2=size=200x112:rate=30:duration=3",
			"-c:v", "libx264", "-profile:v", "baseline", "-g", "30", "-bf", "0",
			"-x264opts", "aud=1", "-threads", "1", "-f", "h264", path).CombinedOutput()
		if err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, out)
		}
	}
	rate := frameRate(t, path)
	frames := annexBFrames(t, path)
	for i := range frames {
		frames[i].pts = time.Duration(float64(i) * float64(time.Second) / rate)
	}
	return path, frames
}

// annexBFrames splits an Annex-B file into access units (H.264 7.4.1.2.3):
// one starts at a delimiter, at an SEI, SPS or PPS after a slice, or at a
// slice with first_mb_in_slice 0 after a slice.
func annexBFrames(t *testing.T, path string) []frame {
	t.Helper()
	nals, ok := h264.AppendNALUnits(nil, mediatest.ReadFile(t, path))
	if !ok {
		t.Fatalf("%s is not Annex-B", path)
	}
	var frames []frame
	slice := false // the current access unit has a slice
	for _, n := range nals {
		typ := n[0] & 0x1f
		isSlice := typ == 1 || typ == 5 // non-IDR or IDR slice
		if len(frames) == 0 || typ == 9 || (slice && (typ == 6 || typ == nalSPS || typ == nalPPS ||
			(isSlice && len(n) > 1 && n[1]&0x80 != 0))) {
			frames = append(frames, frame{})
			slice = false
		}
		f := &frames[len(frames)-1]
		f.data = append(append(f.data, 0, 0, 0, 1), n...)
		slice = slice || isSlice
	}
	for i := range frames {
		frames[i].key = h264.IsKeyframe(frames[i].data)
	}
	return frames
}

// frameRate asks ffprobe for a raw stream's frame rate.
func frameRate(t *testing.T, path string) float64 {
	t.Helper()
	out, err := exec.Command(requireTool(t, "ffprobe"), "-v", "error", "-select_streams", "v",
		"-show_entries", "stream=r_frame_rate", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var num, den float64
	if _, err := fmt.Sscanf(strings.TrimSpace(string(out)), "%g/%g", &num, &den); err != nil || den == 0 {
		t.Fatalf("ffprobe frame rate %q", out)
	}
	return num / den
}

// interleave merges per-track frame lists in pts order, the order a
// receiver would see them in; at equal pts the lower track comes first.
func interleave(lists ...[]frame) []frame {
	var all []frame
	for _, l := range lists {
		all = append(all, l...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].pts < all[j].pts })
	return all
}

// writeFile writes frames to a new file in a temporary directory and
// returns its path, failing on any error but ErrWaitingForKeyframe.
func writeFile(t *testing.T, name string, webm bool, specs []TrackSpec, frames []frame) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := NewWriter(f, webm, specs)
	if err != nil {
		t.Fatal(err)
	}
	for i, fr := range frames {
		if err := w.WriteFrame(fr.track, fr.data, fr.pts, fr.key); err != nil && !errors.Is(err, ErrWaitingForKeyframe) {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// Small inputs for the rule tests: the first two frames of vp8.ivf (a
// keyframe and a delta frame) and an Opus packet.
func samples(t testing.TB) (key, delta, opus []byte) {
	t.Helper()
	v := ivfFrames(t, "vp8.ivf")
	if !v[0].key || v[1].key {
		t.Fatal("vp8.ivf must start with a keyframe and a delta frame")
	}
	return v[0].data, v[1].data, oggFrames(t, "opus-stereo.ogg", 1)[0].data
}

var avTracks = []TrackSpec{{CodecID: idOf("VP8")}, {CodecID: idOf("opus")}}

// parseBytes reads a finished file back with ebml-go.
func parseBytes(t *testing.T, b []byte) *parsed {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out.mkv")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return readBack(t, path)
}

func closed(t *testing.T, w *Writer, f *mediatest.FileBuffer) []byte {
	t.Helper()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return f.Bytes()
}
