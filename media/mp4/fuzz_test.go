package mp4

import (
	"errors"
	"io"
	"testing"
	"time"
)

// FuzzWriteFrame feeds arbitrary frames to every codec: the bitstream
// parsers behind the first keyframe (SPS, AV1 sequence header, VP9
// header, Opus TOC), both this repository's and mp4ff's, must never
// panic, and every error must be one of the package's.
func FuzzWriteFrame(f *testing.F) {
	h264 := h264Frames(f)
	opus := oggFrames(f, "opus-stereo.ogg", 1)[0].data
	f.Add(uint8(0), h264[0].data, int64(0), true)
	f.Add(uint8(0), h264[1].data, int64(0), false)
	f.Add(uint8(1), ivfFrames(f, "av1.ivf")[0].data, int64(0), true)
	f.Add(uint8(2), ivfFrames(f, "vp9.ivf")[0].data, int64(0), true)
	f.Add(uint8(0), []byte{0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0xd9, 0, 0, 1, 0x68, 0xce, 0, 0, 1, 0x65, 0x88}, int64(0), true)
	f.Add(uint8(3), opus, int64(-1), true)
	codecs := []string{CodecH264, CodecAV1, CodecVP9, CodecOpus}
	f.Fuzz(func(t *testing.T, codec uint8, data []byte, pts int64, keyframe bool) {
		c := codecs[int(codec)%len(codecs)]
		w, err := NewWriter(io.Discard, []TrackSpec{{Codec: c}, opusSpec}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range []time.Duration{time.Duration(pts), time.Duration(pts) + time.Hour} {
			err := w.WriteFrame(0, data, p, keyframe)
			if err != nil && !errors.Is(err, ErrBadFrame) && !errors.Is(err, ErrWaitingForKeyframe) &&
				!errors.Is(err, ErrNonMonotonic) {
				t.Fatalf("write %d: unexpected error %v", i, err)
			}
			if err := w.WriteFrame(1, opus, p, true); err != nil && !errors.Is(err, ErrNonMonotonic) && !errors.Is(err, ErrBadFrame) {
				t.Fatalf("opus after it: %v", err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	})
}
