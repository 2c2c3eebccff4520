package ogg

import (
	"bytes"
	"io"
	"testing"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

func BenchmarkReaderNext(b *testing.B) {
	data := mediatest.ReadTestdata(b, "opus-stereo.ogg")
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	packets := 0
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
			packets++
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(packets), "ns/packet")
}

func BenchmarkWriterWritePacket(b *testing.B) {
	_, pkts := readAll(b, mediatest.ReadTestdata(b, "opus-stereo.ogg"))
	w, err := NewWriter(io.Discard, 2, 312)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var start uint64
	i := 0
	for b.Loop() {
		if err := w.WritePacket(pkts[i].Data, start); err != nil {
			b.Fatal(err)
		}
		start += 960
		i = (i + 1) % len(pkts)
	}
}
