package ivf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// TestWriterRoundTrip re-records every fixture at 1/90000 as a receiver
// would, then checks the copy frame by frame and, with ffprobe, that players
// see the same dimensions and duration.
func TestWriterRoundTrip(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.file, func(t *testing.T) {
			h, frames := readAll(t, mediatest.ReadTestdata(t, fx.file))
			path := filepath.Join(t.TempDir(), fx.file)
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			w := NewWriter(f, h.FourCC)
			for _, fr := range frames {
				if err := w.WriteFrame(fr.Data, h.Ticks(fr.PTS, WriterClockRate)); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}

			got, gotFrames := readAll(t, mediatest.ReadFile(t, path))
			last := h.Ticks(frames[len(frames)-1].PTS, WriterClockRate)
			n := uint64(len(frames))
			want := Header{h.FourCC, uint16(fx.w), uint16(fx.h), 1, 90000, uint32((n*last + (n-1)/2) / (n - 1))}
			if got != want {
				t.Errorf("header = %+v, want %+v", got, want)
			}
			if len(gotFrames) != len(frames) {
				t.Fatalf("%d frames, want %d", len(gotFrames), len(frames))
			}
			for i := range frames {
				if !bytes.Equal(gotFrames[i].Data, frames[i].Data) || gotFrames[i].PTS != h.Ticks(frames[i].PTS, WriterClockRate) {
					t.Fatalf("frame %d differs", i)
				}
			}

			p := ffprobe(t, path)
			if len(p.Streams) != 1 || p.Streams[0].Width != fx.w || p.Streams[0].Height != fx.h {
				t.Errorf("ffprobe streams = %+v, want %dx%d", p.Streams, fx.w, fx.h)
			}
			if len(p.Packets) != len(frames) {
				t.Errorf("ffprobe sees %d packets, want %d", len(p.Packets), len(frames))
			}
			// The source's real duration: last PTS plus the frame interval
			// (40 ms for the last frame of vfr.ivf's 15/45/40 pattern).
			interval := h.Duration(1).Seconds()
			if fx.pts(1) != 1 {
				interval = 0.040
			}
			real := h.Duration(frames[len(frames)-1].PTS).Seconds() + interval
			maxInterval := max(interval, 0.045)
			t.Logf("ffprobe duration %s s, source %.4f s", p.Format.Duration, real)
			if d := mediatest.Atof(t, p.Format.Duration); math.Abs(d-real) > maxInterval {
				t.Errorf("ffprobe duration %.4f s, want %.4f +- %.3f", d, real, maxInterval)
			}
		})
	}
}

// onlyWriter hides Seek, as a pipe or socket would.
type onlyWriter struct{ io.Writer }

func TestWriterNotSeekable(t *testing.T) {
	_, frames := readAll(t, mediatest.ReadTestdata(t, "vp8.ivf"))
	var buf bytes.Buffer
	w := NewWriter(onlyWriter{&buf}, "VP80")
	for i, f := range frames {
		if err := w.WriteFrame(f.Data, uint64(i)*3750); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	h, got := readAll(t, buf.Bytes())
	// Length stays 0, which ffprobe reads as an unknown duration.
	if h.Length != 0 || h.Width != 320 || h.Height != 240 || len(got) != len(frames) {
		t.Fatalf("header %+v, %d frames", h, len(got))
	}
}

// TestWriterDimsFromLaterKeyframe starts a recording on an inter frame, as
// happens when the first keyframe is lost; Close fills in the size once a
// keyframe went by.
func TestWriterDimsFromLaterKeyframe(t *testing.T) {
	_, frames := readAll(t, mediatest.ReadTestdata(t, "vp8.ivf"))
	path := filepath.Join(t.TempDir(), "late.ivf")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// Something else owns the start of the file: the header is where the
	// Writer started, not at offset 0.
	if _, err := f.Write(make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	w := NewWriter(f, "VP80")
	for i, fr := range frames[1:30] {
		if err := w.WriteFrame(fr.Data, uint64(i)*3750); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	h, got := readAll(t, mediatest.ReadFile(t, path)[100:])
	want := Header{"VP80", 320, 240, 1, 90000, 29 * 3750}
	if h != want || len(got) != 29 {
		t.Fatalf("header %+v (want %+v), %d frames", h, want, len(got))
	}
}

func TestWriterRules(t *testing.T) {
	key := vp8Key(64, 48)
	t.Run("pts backwards", func(t *testing.T) {
		w := NewWriter(io.Discard, "VP80")
		if err := w.WriteFrame(key, 100); err != nil {
			t.Fatal(err)
		}
		if err := w.WriteFrame(key, 100); err != nil {
			t.Fatalf("equal PTS rejected: %v", err)
		}
		if err := w.WriteFrame(key, 99); !errors.Is(err, ErrNonMonotonic) {
			t.Fatalf("err = %v, want ErrNonMonotonic", err)
		}
		if err := w.WriteFrame(key, 200); err != nil {
			t.Fatalf("a rejected frame broke the writer: %v", err)
		}
	})
	t.Run("bad fourcc", func(t *testing.T) {
		w := NewWriter(io.Discard, "VP8")
		if err := w.WriteFrame(key, 0); !errors.Is(err, ErrBadFourCC) {
			t.Fatalf("err = %v, want ErrBadFourCC", err)
		}
		if err := w.Close(); !errors.Is(err, ErrBadFourCC) {
			t.Fatalf("Close err = %v, want ErrBadFourCC", err)
		}
	})
	t.Run("after close", func(t *testing.T) {
		var buf bytes.Buffer
		w := NewWriter(&buf, "VP80")
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		if err := w.WriteFrame(key, 0); !errors.Is(err, ErrClosed) {
			t.Fatalf("err = %v, want ErrClosed", err)
		}
		// No frames: still a valid, empty file.
		if _, frames := readAll(t, buf.Bytes()); len(frames) != 0 {
			t.Fatal("frames in an empty file")
		}
	})
	t.Run("frame too large", func(t *testing.T) {
		w := NewWriter(io.Discard, "VP80")
		if err := w.WriteFrame(make([]byte, MaxFrameSize+1), 0); !errors.Is(err, ErrFrameTooLarge) {
			t.Fatalf("err = %v, want ErrFrameTooLarge", err)
		}
	})
}

func TestWriterWriteError(t *testing.T) {
	_, frames := readAll(t, mediatest.ReadTestdata(t, "vp8.ivf"))
	for _, limit := range []int{0, 10, 32, 40, 8000, 50000} {
		fw := &mediatest.FailAfter{N: limit}
		w := NewWriter(fw, "VP80")
		var err error
		for i, f := range frames {
			if err = w.WriteFrame(f.Data, uint64(i)*3750); err != nil {
				break
			}
		}
		if !errors.Is(err, ErrWrite) || !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("limit %d: err = %v, want ErrWrite wrapping ENOSPC", limit, err)
		}
		if err2 := w.WriteFrame(frames[0].Data, 1<<40); !errors.Is(err2, syscall.ENOSPC) {
			t.Errorf("limit %d: next write err = %v, want the same failure", limit, err2)
		}
		if err2 := w.Close(); !errors.Is(err2, syscall.ENOSPC) {
			t.Errorf("limit %d: Close err = %v, want the same failure", limit, err2)
		}
	}
}

func TestWriterCloseRewriteError(t *testing.T) {
	var f mediatest.FailingSeeker
	w := NewWriter(&f, "VP80")
	for i := range 3 {
		if err := w.WriteFrame(vp8Key(64, 48), uint64(i)*3000); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); !errors.Is(err, ErrWrite) || !errors.Is(err, syscall.EIO) {
		t.Fatalf("Close err = %v, want ErrWrite wrapping EIO", err)
	}
}

func TestWriterLengthSaturates(t *testing.T) {
	var f mediatest.FileBuffer
	w := NewWriter(&f, "VP80")
	for _, pts := range []uint64{0, 1 << 40} {
		if err := w.WriteFrame(vp8Key(64, 48), pts); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := binary.LittleEndian.Uint32(f.Bytes()[24:]); got != math.MaxUint32 {
		t.Fatalf("Length = %#x, want 0xffffffff", got)
	}
}
