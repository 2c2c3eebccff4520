package h264

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// BenchmarkReaderNext: one op reads testdata/h264.h264 (75 units, 86 KB).
func BenchmarkReaderNext(b *testing.B) {
	data := mediatest.ReadTestdata(b, "h264.h264")
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	units := 0
	for b.Loop() {
		r, _ := NewReader(bytes.NewReader(data), Options{})
		for {
			if _, err := r.Next(); err != nil {
				if !errors.Is(err, io.EOF) {
					b.Fatal(err)
				}
				break
			}
			units++
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(units), "ns/unit")
}

// BenchmarkWriteAccessUnit: one op writes one unit; every 25th is an IDR
// without its parameter sets, so the insertion path runs too.
func BenchmarkWriteAccessUnit(b *testing.B) {
	aus := mustReadAll(b, mediatest.ReadTestdata(b, "h264.h264"), Options{})
	units := stripParameterSets(aus)
	w := NewWriter(io.Discard)
	if err := w.WriteAccessUnit(units[0]); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 1
	for b.Loop() {
		if err := w.WriteAccessUnit(units[i]); err != nil {
			b.Fatal(err)
		}
		i = max(1, (i+1)%len(units))
	}
}

func BenchmarkParseSPS(b *testing.B) {
	nal := mustHex(b, "6764000dacd94141fb01100000030010000003032e0200124f000493f930c01e28532c")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseSPS(nal); err != nil {
			b.Fatal(err)
		}
	}
}
