package media

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/h264"
)

func openH264(t *testing.T, name string) *h264Source {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	s, err := newH264Source(f, f, h264.Rational{})
	if err != nil {
		f.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func allSamples(t *testing.T, s Source) []Sample {
	t.Helper()
	var out []Sample
	for {
		smp, err := s.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, smp)
	}
}

func TestH264Source(t *testing.T) {
	s := openH264(t, "h264.h264")
	if tr := s.Track(); tr != (Track{Codec: H264, Width: 320, Height: 240, Fmtp: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e00d"}) || !tr.Video() {
		t.Errorf("track %+v", tr)
	}
	if got := s.Track().Fmtp; got != "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e00d" {
		t.Errorf("fmtp %q", got)
	}
	smps := allSamples(t, s)
	if len(smps) != 75 {
		t.Fatalf("%d samples", len(smps))
	}
	for i, smp := range smps {
		if smp.Ticks != uint64(i)*3600 || smp.Offset != time.Duration(i)*40*time.Millisecond || smp.Duration != 3600 {
			t.Fatalf("sample %d: ticks %d offset %v duration %d", i, smp.Ticks, smp.Offset, smp.Duration)
		}
	}
}

func TestH264SourceBFrames(t *testing.T) {
	s := openH264(t, "h264-bframes.h264") // the first unit is fine
	var err error
	for err == nil {
		_, err = s.Next()
	}
	if !errors.Is(err, h264.ErrBFrames) {
		t.Fatalf("err %v", err)
	}
}

func TestIsAnnexB(t *testing.T) {
	for _, c := range []struct {
		magic string
		want  bool
	}{
		{"\x00\x00\x00\x01", true},
		{"\x00\x00\x01\x67", true},
		{"\x00\x00\x00\x00", false},
		{"\x00\x01\x67\x42", false},
		{"DKIF", false},
		{"OggS", false},
		{"\x00\x00\x01", false},
	} {
		if got := isAnnexB([]byte(c.magic)); got != c.want {
			t.Errorf("% x: %v", c.magic, got)
		}
	}
}
