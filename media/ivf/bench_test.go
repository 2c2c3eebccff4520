package ivf

import (
	"bytes"
	"io"
	"testing"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

func BenchmarkReaderNext(b *testing.B) {
	data := mediatest.ReadTestdata(b, "vp8.ivf")
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	frames := 0
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := r.Next(); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
			frames++
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(frames), "ns/frame")
}

func BenchmarkWriterWriteFrame(b *testing.B) {
	_, frames := readAll(b, mediatest.ReadTestdata(b, "vp8.ivf"))
	w := NewWriter(io.Discard, "VP80")
	b.ReportAllocs()
	var pts uint64
	i := 0
	for b.Loop() {
		if err := w.WriteFrame(frames[i].Data, pts); err != nil {
			b.Fatal(err)
		}
		i = (i + 1) % len(frames)
		pts += 3750
	}
}
