package rtpio

import (
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// testStream is a sequence of source frames with their RTP timestamps and
// whether each is a keyframe, as the sender knows it.
type testStream struct {
	codec  string
	frames [][]byte
	ts     []uint32
	key    []bool
}

const (
	videoTick = 90000 / 24 // 24 fps at 90 kHz
	opusTick  = 960        // 20 ms at 48 kHz
)

func (s *testStream) add(frame []byte, key bool) {
	tick := uint32(videoTick)
	if s.codec == "opus" {
		tick = opusTick
	}
	var ts uint32
	if n := len(s.ts); n > 0 {
		ts = s.ts[n-1] + tick
	}
	s.frames = append(s.frames, frame)
	s.ts = append(s.ts, ts)
	s.key = append(s.key, key)
}

// startAt shifts every timestamp so the first is base (for wraparound).
func (s *testStream) startAt(base uint32) {
	first := s.ts[0]
	for i := range s.ts {
		s.ts[i] = s.ts[i] - first + base
	}
}

// realStream reads testdata/<codec>.ivf; keyframes are every 12th frame
// (gen.sh encodes with -g 12).
func realStream(t testing.TB, codec string) *testStream {
	t.Helper()
	if codec == "H264" {
		return realH264Stream(t, filepath.Join("..", "..", "testdata", "h264.h264"))
	}
	fourcc, frames := readIVF(t, filepath.Join("testdata", strings.ToLower(codec)+".ivf"))
	if want := map[string]string{"VP8": "VP80", "VP9": "VP90", "AV1": "AV01"}[codec]; fourcc != want {
		t.Fatalf("%s file holds %s", codec, fourcc)
	}
	s := &testStream{codec: codec}
	for i, f := range frames {
		s.add(f, i%12 == 0)
	}

	return s
}

// synthStream makes n frames of realistic sizes (keyframes of 15-40 KB every
// gop frames, inter frames of 0.3-8 KB) with random content behind a real
// frame header, so keyframe detection sees what an encoder writes.
func synthStream(codec string, n, gop int, seed uint64) *testStream {
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	s := &testStream{codec: codec}
	for i := range n {
		key := i%gop == 0
		size := 300 + rng.IntN(7700)
		if key {
			size = 15000 + rng.IntN(25000)
		}
		if codec == "opus" {
			key, size = true, 20+rng.IntN(380)
		}
		s.add(synthFrame(codec, key, size, rng), key)
	}

	return s
}

var (
	vp9KeyHeader = []byte{0x82, 0x49, 0x83, 0x42, 0x00, 0x13, 0xf0, 0x0e, 0xf6, 0x02}
	// av1SeqHeader is the sequence header OBU (with size field) of
	// testdata/av1.ivf.
	av1SeqHeader = []byte{0x0a, 0x0b, 0x00, 0x00, 0x00, 0x04, 0x3c, 0xff, 0xbc, 0xda, 0xf9, 0x00, 0x40}
)

func synthFrame(codec string, key bool, size int, rng *rand.Rand) []byte {
	body := make([]byte, size)
	for i := range body {
		body[i] = byte(rng.Uint32())
	}
	switch codec {
	case "VP8":
		if key {
			// frame tag (P=0, show_frame), start code, 320x240
			copy(body, []byte{0x70, 0x6e, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00})
		} else {
			body[0] |= 0x01
		}
	case "VP9":
		if key {
			copy(body, vp9KeyHeader)
		} else {
			body[0] = 0x86 // frame marker, profile 0, non-key, show_frame
		}
	case "AV1":
		unit := append([]byte(nil), temporalDelimiter...)
		if key {
			unit = append(unit, av1SeqHeader...)
			body[0] = 0x10 // show_existing_frame 0, KEY_FRAME, show_frame
		} else {
			body[0] = 0x30 // INTER_FRAME, show_frame
		}
		// No OBU_PADDING: pion's payloader drops it since rtp v1.10.6, as
		// the AV1 RTP spec allows (TestAV1PaddingDropped).
		unit = appendOBU(unit, 6, body) // OBU_FRAME

		return unit
	case "opus":
		body[0] = 0xfc // TOC: CELT FB 20 ms, stereo, one frame
	case "H264":
		return synthH264(key, body, rng)
	}

	return body
}

// appendOBU appends an OBU with obu_has_size_field and a minimal leb128 size,
// as libaom writes them.
func appendOBU(dst []byte, typ byte, payload []byte) []byte {
	dst = append(dst, typ<<3|0x02)
	n := uint(len(payload))
	for n >= 0x80 {
		dst = append(dst, byte(n)|0x80)
		n >>= 7
	}
	dst = append(dst, byte(n))

	return append(dst, payload...)
}
