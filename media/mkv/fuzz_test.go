package mkv

import (
	"errors"
	"io"
	"testing"
	"time"
)

// FuzzWriteFrame feeds arbitrary frames to every codec: the bitstream
// parsers behind the first keyframe (SPS, AV1 sequence header, VP8/VP9
// headers, Opus TOC) must never panic, and every error must be one of
// the package's.
func FuzzWriteFrame(f *testing.F) {
	key, delta, opus := samples(f)
	av1 := ivfFrames(f, "av1.ivf")[0].data
	f.Add(uint8(0), key, int64(0), true)
	f.Add(uint8(0), delta, int64(0), false)
	f.Add(uint8(1), key, int64(0), true)
	f.Add(uint8(2), av1, int64(0), true)
	f.Add(uint8(3), []byte{0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0xd9, 0, 0, 1, 0x68, 0xce, 0, 0, 1, 0x65, 0x88}, int64(0), true)
	f.Add(uint8(4), opus, int64(-1), true)
	codecs := []string{"VP8", "VP9", "AV1", "H264", "opus"}
	f.Fuzz(func(t *testing.T, codec uint8, data []byte, pts int64, keyframe bool) {
		c := codecs[int(codec)%len(codecs)]
		w, err := NewWriter(io.Discard, false, []TrackSpec{{CodecID: idOf(c)}, {CodecID: idOf("opus")}})
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
