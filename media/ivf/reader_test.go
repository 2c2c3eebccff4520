package ivf

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strconv"
	"testing"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// fixture describes a file from testdata/gen.sh. The values were read once
// with ffprobe -show_packets and xxd; TestReaderMatchesFFprobe rechecks the
// per-frame ones whenever ffprobe is installed.
type fixture struct {
	file      string
	header    Header
	w, h      int   // true size from FrameSize
	frames    int   // number of frames
	keyframes []int // frame indices
	pts       func(i int) uint64
}

func cfrPTS(i int) uint64 { return uint64(i) }

// vfrPTS is the setpts expression in gen.sh: floor(N/3)*100 + (N%3)^2*15.
func vfrPTS(i int) uint64 { return uint64(i/3*100 + (i%3)*(i%3)*15) }

var fixtures = []fixture{
	{"vp8.ivf", Header{"VP80", 320, 240, 1, 24, 72}, 320, 240, 72, []int{0, 24, 48}, cfrPTS},
	{"vp9.ivf", Header{"VP90", 256, 144, 1, 30, 90}, 256, 144, 90, []int{0, 30, 60}, cfrPTS},
	{"vp9-p2.ivf", Header{"VP90", 96, 64, 1, 30, 6}, 96, 64, 6, []int{0}, cfrPTS},
	{"av1.ivf", Header{"AV01", 200, 112, 1, 30, 90}, 200, 112, 90, []int{0, 30, 60}, cfrPTS},
	{"vfr.ivf", Header{"VP80", 176, 144, 1, 1000, 2993}, 176, 144, 90, []int{0, 30, 60}, vfrPTS},
}

func readAll(t testing.TB, data []byte) (Header, []Frame) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var frames []Frame
	for {
		f, err := r.Next()
		if err == io.EOF {
			return r.Header(), frames
		}
		if err != nil {
			t.Fatalf("frame %d: %v", len(frames), err)
		}
		frames = append(frames, f)
	}
}

func TestReaderFixtures(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.file, func(t *testing.T) {
			h, frames := readAll(t, mediatest.ReadTestdata(t, fx.file))
			if h != fx.header {
				t.Errorf("header = %+v, want %+v", h, fx.header)
			}
			if len(frames) != fx.frames {
				t.Fatalf("%d frames, want %d", len(frames), fx.frames)
			}
			var keys []int
			for i, f := range frames {
				if f.PTS != fx.pts(i) {
					t.Errorf("frame %d: PTS %d, want %d", i, f.PTS, fx.pts(i))
				}
				if isKeyframe(h.FourCC, f.Data) {
					keys = append(keys, i)
				}
			}
			if !slices.Equal(keys, fx.keyframes) {
				t.Errorf("keyframes at %v, want %v", keys, fx.keyframes)
			}
			w, hh, ok := FrameSize(h.FourCC, frames[0].Data)
			if !ok || w != fx.w || hh != fx.h {
				t.Errorf("FrameSize = %d, %d, %v; want %d, %d", w, hh, ok, fx.w, fx.h)
			}
		})
	}
}

// TestReaderMatchesFFprobe compares every frame's PTS, size and keyframe
// flag with what ffprobe reports for the same file.
func TestReaderMatchesFFprobe(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.file, func(t *testing.T) {
			p := ffprobe(t, mediatest.Testdata(fx.file))
			h, frames := readAll(t, mediatest.ReadTestdata(t, fx.file))
			if len(frames) != len(p.Packets) {
				t.Fatalf("%d frames, ffprobe %d", len(frames), len(p.Packets))
			}
			for i, f := range frames {
				pp := p.Packets[i]
				if int64(f.PTS) != pp.PTS || strconv.Itoa(len(f.Data)) != pp.Size {
					t.Errorf("frame %d: pts %d size %d, ffprobe pts %d size %s", i, f.PTS, len(f.Data), pp.PTS, pp.Size)
				}
				if key := isKeyframe(h.FourCC, f.Data); key != (pp.Flags[0] == 'K') {
					t.Errorf("frame %d: IsKeyframe %v, ffprobe flags %s", i, key, pp.Flags)
				}
			}
		})
	}
}

func TestReaderTruncatedFixture(t *testing.T) {
	r, err := NewReader(bytes.NewReader(mediatest.ReadTestdata(t, "truncated.ivf")))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for ; ; n++ {
		if _, err = r.Next(); err != nil {
			break
		}
	}
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("err = %v, want ErrTruncated", err)
	}
	// gen.sh cuts frame 10 (offset 13551, 653 bytes) after 326 bytes.
	want := "frame 10 at offset 13551: ivf: truncated: frame payload: got 326 of 653 bytes"
	if n != 10 || err.Error() != want {
		t.Errorf("after %d frames: %q, want %q", n, err, want)
	}
}

func TestReaderErrors(t *testing.T) {
	good := mediatest.ReadTestdata(t, "vp8.ivf")
	patch := func(off int, b ...byte) []byte {
		c := bytes.Clone(good)
		copy(c[off:], b)
		return c
	}
	tests := []struct {
		name    string
		data    []byte
		atOpen  bool
		wantErr error
	}{
		{"empty", nil, true, ErrTruncated},
		{"short header", good[:20], true, ErrTruncated},
		{"signature", patch(0, 'R', 'I', 'F', 'F'), true, ErrBadSignature},
		{"header size 0", patch(6, 0, 0), true, ErrBadHeader},
		{"header size huge", patch(6, 0xff, 0xff), true, ErrBadHeader},
		{"header size past end", append(patch(6, 64, 0)[:32:32], make([]byte, 8)...), true, ErrTruncated},
		{"timebase den 0", patch(16, 0, 0, 0, 0), true, ErrBadTimebase},
		{"timebase num 0", patch(20, 0, 0, 0, 0), true, ErrBadTimebase},
		{"frame too large", patch(32, 0xff, 0xff, 0xff, 0xff), false, ErrFrameTooLarge},
		{"cut in frame header", good[:32+5], false, ErrTruncated},
		{"cut in payload", good[:32+12+100], false, ErrTruncated},
		{"size past end", append(patch(32, 0, 0, 0, 1)[:44:44], 1, 2, 3), false, ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tt.data))
			if tt.atOpen {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("NewReader err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewReader: %v", err)
			}
			_, err = r.Next()
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Next err = %v, want %v", err, tt.wantErr)
			}
			t.Log(err)
		})
	}
}

func TestReaderSkipsLongerHeader(t *testing.T) {
	good := mediatest.ReadTestdata(t, "vp8.ivf")
	long := append(bytes.Clone(good[:32]), make([]byte, 16)...)
	long[6] = 48
	long = append(long, good[32:]...)
	_, a := readAll(t, good)
	_, b := readAll(t, long)
	if len(a) != len(b) || !bytes.Equal(a[5].Data, b[5].Data) {
		t.Fatal("a 48-byte header changed the frames")
	}
}

func TestReaderZeroLengthFrame(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, "VP80")
	for i, f := range [][]byte{{}, {1, 2}, {}} {
		if err := w.WriteFrame(f, uint64(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_, frames := readAll(t, buf.Bytes())
	if len(frames) != 3 || len(frames[0].Data) != 0 || len(frames[1].Data) != 2 {
		t.Fatalf("frames = %v", frames)
	}
}
