package mp4

import (
	"errors"
	"fmt"
	"io"
	"testing"
	"time"
)

// TestTrackOffsets starts one track later than the other and checks that
// each keeps its place on the file's timeline, within a millisecond, in
// the fragmented file and the finished one (an edit list).
func TestTrackOffsets(t *testing.T) {
	requireTool(t, "ffprobe")
	for _, c := range []struct {
		name         string
		video, audio time.Duration // added to each track's pts
		wantV, wantA time.Duration // where each starts in the file
	}{
		{"audio later", 0, 512300 * time.Microsecond, 0, 512300 * time.Microsecond},
		{"video later", 10*time.Second + 301700*time.Microsecond, 10 * time.Second, 301700 * time.Microsecond, 0},
	} {
		for _, opts := range []Options{{}, {Fragmented: true}} {
			t.Run(fmt.Sprintf("%s fragmented=%v", c.name, opts.Fragmented), func(t *testing.T) {
				t.Parallel()
				video, audio := h264Frames(t), oggFrames(t, "opus-stereo.ogg", 1)
				for i := range video {
					video[i].pts += c.video
				}
				for i := range audio {
					audio[i].pts += c.audio
				}
				path := writeFile(t, "offset.mp4", []TrackSpec{{Codec: CodecH264}, opusSpec}, opts, interleave(video, audio), nil)
				p := ffprobe(t, path)
				checkStart(t, p, c.wantV, c.wantA)
				if msg := decodeErrors(t, path); msg != "" {
					t.Errorf("ffmpeg decode errors:\n%s", msg)
				}
			})
		}
	}
}

// TestStart checks how a file starts: video before the first keyframe is
// refused, audio is held and written after it, and audio from before
// time 0 that comes late is dropped.
func TestStart(t *testing.T) {
	video, audio := h264Frames(t), oggFrames(t, "opus-stereo.ogg", 1)
	w, err := NewWriter(io.Discard, []TrackSpec{{Codec: CodecH264}, opusSpec, opusSpec}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFrame(0, video[1].data, 0, false); !errors.Is(err, ErrWaitingForKeyframe) {
		t.Errorf("a delta frame first: err = %v, want ErrWaitingForKeyframe", err)
	}
	for _, f := range audio[:10] {
		if err := w.WriteFrame(1, f.data, f.pts, true); err != nil {
			t.Fatal(err)
		}
	}
	if len(w.pending) != 10 || w.started {
		t.Fatalf("%d frames held, started %v; want 10 held before the keyframe", len(w.pending), w.started)
	}
	if err := w.WriteFrame(0, video[0].data, audio[5].pts, true); err != nil {
		t.Fatal(err)
	}
	if !w.started || w.origin != 0 || len(w.pending) != 0 {
		t.Errorf("after the keyframe: started %v at %v, %d held; want started at 0", w.started, w.origin, len(w.pending))
	}
	if n := len(w.tracks[1].frag.samples); n != 9 || !w.tracks[1].open.ok {
		t.Errorf("%d audio samples in the fragment, want 9 and the 10th open", n)
	}
	// The other audio track's first packet, from before time 0, is dropped.
	if err := w.WriteFrame(2, audio[0].data, -time.Second, true); err != nil || w.tracks[2].open.ok {
		t.Errorf("a packet from before time 0: err = %v, written %v; want it dropped", err, w.tracks[2].open.ok)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFrame(1, audio[11].data, audio[11].pts, true); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: err = %v, want ErrClosed", err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
}

// TestHoldLimit checks that audio held for a keyframe that does not come
// is bounded to the last 5 s.
func TestHoldLimit(t *testing.T) {
	audio := oggFrames(t, "opus-stereo.ogg", 1)
	w, err := NewWriter(io.Discard, []TrackSpec{{Codec: CodecVP9}, opusSpec}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		f := audio[i%len(audio)]
		if err := w.WriteFrame(1, f.data, time.Duration(i)*20*time.Millisecond, true); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(w.pending); n != 251 {
		t.Errorf("%d frames held, want the 5 s up to the last (251)", n)
	}
	if err := w.WriteFrame(1, audio[0].data, 0, true); !errors.Is(err, ErrNonMonotonic) {
		t.Errorf("going back: err = %v, want ErrNonMonotonic", err)
	}
}
