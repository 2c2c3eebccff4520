package mkv

import (
	"io"
	"testing"
	"time"
)

// BenchmarkWriteFrame measures the per-frame cost of a recording: VP8 and
// Opus interleaved, as a receiver writes them.
func BenchmarkWriteFrame(b *testing.B) {
	frames := interleave(ivfFrames(b, "vp8.ivf"), oggFrames(b, "opus-stereo.ogg", 1))
	var size int
	for _, f := range frames {
		size += len(f.data)
	}
	b.SetBytes(int64(size / len(frames)))
	b.ReportAllocs()
	w, err := NewWriter(io.Discard, true, avTracks)
	if err != nil {
		b.Fatal(err)
	}
	var base time.Duration
	for i := 0; b.Loop(); i++ {
		f := frames[i%len(frames)]
		if i > 0 && i%len(frames) == 0 {
			base += 4 * time.Second // past both inputs, so time keeps going forward
		}
		if err := w.WriteFrame(f.track, f.data, base+f.pts, f.key); err != nil {
			b.Fatal(err)
		}
	}
}
