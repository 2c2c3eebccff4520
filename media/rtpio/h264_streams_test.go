package rtpio

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/webrtc-cli/webrtc-cli/media/h264"
	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

var (
	// h264SPS and h264PPS are the parameter sets of testdata/h264.h264
	// (x264 baseline, 320x240).
	h264SPSNAL = []byte{0x67, 0x42, 0xc0, 0x0d, 0xd9, 0x01, 0x41, 0xfb, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00,
		0x10, 0x00, 0x00, 0x03, 0x03, 0x20, 0xf1, 0x42, 0xa4, 0x80}
	h264PPSNAL = []byte{0x68, 0xcb, 0x8c, 0xb2}
)

// realH264Stream reads an Annex-B file with the h264 package: its access
// units are exactly what a receiver must rebuild.
func realH264Stream(t testing.TB, path string) *testStream {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := h264.NewReader(f, h264.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := &testStream{codec: "H264"}
	for {
		au, err := r.Next()
		if errors.Is(err, io.EOF) {
			return s
		}
		if err != nil {
			t.Fatal(err)
		}
		s.add(au.Data, au.Keyframe)
	}
}

// synthH264 makes an access unit in the Reader's form around body: a
// keyframe is SPS, PPS, sometimes an SEI, and an IDR slice; an inter frame
// one to three P slices. Slice data gets emulation prevention bytes, so no
// start code appears inside a NAL unit.
func synthH264(key bool, body []byte, rng *rand.Rand) []byte {
	var au []byte
	nal := func(header byte, data []byte) {
		au = append(au, 0, 0, 0, 1, header)
		au = append(au, mediatest.Escape(data)...)
		if au[len(au)-1] == 0 || au[len(au)-1] == 3 {
			au = append(au, 0x80) // a NAL unit ends in a stop bit
		}
	}
	if key {
		au = append(au, 0, 0, 0, 1)
		au = append(au, h264SPSNAL...)
		au = append(au, 0, 0, 0, 1)
		au = append(au, h264PPSNAL...)
		if rng.IntN(2) == 0 {
			nal(0x06, append([]byte{0x05, 0x10}, body[:16]...)) // user data, 16 bytes
		}
		nal(0x65, append(sliceHeader(0, 7, true), body...))
		return au
	}
	slices := 1 + rng.IntN(3)
	for i := range slices {
		nal(0x41, append(sliceHeader(uint32(i*100), 5, false), body[i*len(body)/slices:(i+1)*len(body)/slices]...))
	}
	return au
}

// sliceHeader codes the start of a slice header for h264PPSNAL's SPS
// (frame_num in 4 bits, picture order count type 2): first_mb_in_slice,
// slice_type, pic_parameter_set_id 0, frame_num 0, idr_pic_id 0 for an IDR
// slice. The last byte is padded with ones.
func sliceHeader(firstMb, sliceType uint32, idr bool) []byte {
	var w mediatest.BitWriter
	w.UE(firstMb).UE(sliceType).UE(0).U(4, 0)
	if idr {
		w.UE(0)
	}
	for w.Len()%8 != 0 {
		w.U(1, 1)
	}
	return w.Bytes()
}

// TestH264SynthIsCanonical: the synthetic stream reads back unchanged,
// so comparing received frames with it byte for byte is fair.
func TestH264SynthIsCanonical(t *testing.T) {
	s := synthStream("H264", 48, 24, 3)
	r, err := h264.NewReader(bytes.NewReader(bytes.Join(s.frames, nil)), h264.Options{FPS: h264.Rational{Num: 24, Den: 1}})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range s.frames {
		au, err := r.Next()
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if !bytes.Equal(au.Data, f) || au.Keyframe != s.key[i] {
			t.Fatalf("frame %d differs when read back (key %v)", i, au.Keyframe)
		}
	}
}
