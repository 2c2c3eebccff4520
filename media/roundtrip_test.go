package media_test

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media"
	"github.com/webrtc-cli/webrtc-cli/media/h264"
	"github.com/webrtc-cli/webrtc-cli/media/rtpio"
)

func samples(t *testing.T, src media.Source) []media.Sample {
	t.Helper()
	defer src.Close()
	var out []media.Sample
	for {
		s, err := src.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
}

// TestH264DiskToDisk follows every access unit of the clip from the file,
// through RTP packets, to a recorded file, and reads that back: the units
// are identical, at the same times.
func TestH264DiskToDisk(t *testing.T) {
	src, err := media.Open(filepath.Join("..", "testdata", "h264.h264"))
	if err != nil {
		t.Fatal(err)
	}
	codec := src.Track().Codec
	pz, err := rtpio.NewPacketizer(codec, 1200)
	if err != nil {
		t.Fatal(err)
	}
	asm, err := rtpio.NewAssembler(rtpio.AssemblerConfig{Codec: codec})
	if err != nil {
		t.Fatal(err)
	}
	var file bytes.Buffer
	w := h264.NewWriter(&file)
	sent := samples(t, src)
	now := time.Unix(1, 0)
	for _, smp := range sent {
		pkts, err := pz.Packetize(smp.Data, uint32(smp.Ticks))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pkts {
			asm.Push(p.Clone(), now)
		}
		for f, ok := asm.Pop(now); ok; f, ok = asm.Pop(now) {
			if err := w.WriteAccessUnit(f.Data); err != nil {
				t.Fatal(err)
			}
		}
	}
	rec, err := media.NewSource(&file)
	if err != nil {
		t.Fatal(err)
	}
	got := samples(t, rec)
	if len(got) != len(sent) {
		t.Fatalf("%d of %d units recorded", len(got), len(sent))
	}
	for i := range sent {
		if !bytes.Equal(got[i].Data, sent[i].Data) || got[i].Ticks != sent[i].Ticks {
			t.Fatalf("unit %d differs", i)
		}
	}
}
