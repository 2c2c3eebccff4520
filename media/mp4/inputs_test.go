package mp4

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/av1"
	"github.com/webrtc-cli/webrtc-cli/media/h264"
	"github.com/webrtc-cli/webrtc-cli/media/ivf"
	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
	"github.com/webrtc-cli/webrtc-cli/media/ogg"
	"github.com/webrtc-cli/webrtc-cli/media/vp9"
)

// frame is one input frame for a test.
type frame struct {
	track int
	data  []byte
	pts   time.Duration
	key   bool
}

// ivfFrames reads a fixture as frames of track 0, timed by the header's
// timebase.
func ivfFrames(t testing.TB, name string) []frame {
	t.Helper()
	r, err := ivf.NewReader(bytes.NewReader(mediatest.ReadTestdata(t, name)))
	if err != nil {
		t.Fatal(err)
	}
	h := r.Header()
	isKey := map[string]func([]byte) bool{"VP90": vp9.IsKeyframe, "AV01": av1.IsKeyframe}[h.FourCC]
	var frames []frame
	for {
		f, err := r.Next()
		if errors.Is(err, io.EOF) {
			return frames
		}
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, frame{data: f.Data, pts: h.Duration(f.PTS), key: isKey(f.Data)})
	}
}

// h264Frames reads testdata/h264.h264 (no B-frames, as in WebRTC) as
// access units of track 0, timed by its SPS.
func h264Frames(t testing.TB) []frame { return annexBFrames(t, "h264.h264") }

// annexBFrames reads an H264 fixture as access units of track 0.
func annexBFrames(t testing.TB, name string) []frame {
	t.Helper()
	r, err := h264.NewReader(bytes.NewReader(mediatest.ReadTestdata(t, name)), h264.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var frames []frame
	for {
		au, err := r.Next()
		if errors.Is(err, io.EOF) {
			return frames
		}
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, frame{data: au.Data, pts: au.Time, key: au.Keyframe})
	}
}

// oggFrames reads an Ogg Opus fixture as packets of the given track.
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
		frames = append(frames, frame{track: track, data: p.Data, pts: time.Duration(p.Start) * time.Second / opusRate, key: true})
	}
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

// writeFrames writes frames with w, failing on any error but
// ErrWaitingForKeyframe.
func writeFrames(t testing.TB, w *Writer, frames []frame) {
	t.Helper()
	for i, f := range frames {
		if err := w.WriteFrame(f.track, f.data, f.pts, f.key); err != nil && !errors.Is(err, ErrWaitingForKeyframe) {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
}

// writeFile writes frames to a new file in a temporary directory, closes
// the Writer and returns the file's path. setup, if not nil, may change
// the Writer before the first frame.
func writeFile(t testing.TB, name string, specs []TrackSpec, opts Options, frames []frame, setup func(*Writer)) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := NewWriter(f, specs, opts)
	if err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(w)
	}
	writeFrames(t, w, frames)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
