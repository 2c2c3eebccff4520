package ivf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// addIVFSeeds seeds with each testdata file shrunk to its first frames, each
// cut to 256 bytes: the codec headers survive, and small seeds keep the
// fuzzer fast (it minimizes every new input, which takes a minute for a
// 100 KB one). The whole files are read by the ordinary tests.
func addIVFSeeds(f *testing.F) {
	paths, _ := filepath.Glob(mediatest.Testdata("*.ivf"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(shrink(b, 4, 256))
	}
}

func shrink(file []byte, frames, size int) []byte {
	r, err := NewReader(bytes.NewReader(file))
	if err != nil {
		return file[:min(len(file), 1024)]
	}
	out := file[:32:32]
	for range frames {
		fr, err := r.Next()
		if err != nil {
			break
		}
		d := fr.Data[:min(len(fr.Data), size)]
		out = binary.LittleEndian.AppendUint32(out, uint32(len(d)))
		out = binary.LittleEndian.AppendUint64(out, fr.PTS)
		out = append(out, d...)
	}
	return out
}

// FuzzReader checks that no input makes the Reader or the codec parsers
// panic, that errors are the documented ones, and that whatever reads
// cleanly survives a Writer round trip.
func FuzzReader(f *testing.F) {
	addIVFSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrBadSignature) &&
				!errors.Is(err, ErrBadHeader) && !errors.Is(err, ErrBadTimebase) {
				t.Fatalf("NewReader: undocumented error %v", err)
			}
			return
		}
		h := r.Header()
		var frames []Frame
		monotonic := true
		for {
			fr, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrFrameTooLarge) {
					t.Fatalf("Next: undocumented error %v", err)
				}
				break
			}
			for _, cc := range []string{"VP80", "VP90", "AV01"} {
				FrameSize(cc, fr.Data)
				isKeyframe(cc, fr.Data)
			}
			h.Ticks(fr.PTS, WriterClockRate)
			h.Duration(fr.PTS)
			if n := len(frames); n > 0 && fr.PTS < frames[n-1].PTS {
				monotonic = false
			}
			frames = append(frames, fr)
		}
		if !monotonic || len(h.FourCC) != 4 {
			return
		}
		var buf bytes.Buffer
		w := NewWriter(&buf, h.FourCC)
		for _, fr := range frames {
			if err := w.WriteFrame(fr.Data, fr.PTS); err != nil {
				t.Fatalf("WriteFrame: %v", err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		_, back := readAll(t, buf.Bytes())
		if len(back) != len(frames) {
			t.Fatalf("round trip: %d frames, want %d", len(back), len(frames))
		}
		for i := range back {
			if back[i].PTS != frames[i].PTS || !bytes.Equal(back[i].Data, frames[i].Data) {
				t.Fatalf("round trip: frame %d differs", i)
			}
		}
	})
}

// FuzzFrameSize feeds bare frames to the codec header parsers (media/vp8,
// vp9 and av1), which FuzzReader reaches only through the container.
func FuzzFrameSize(f *testing.F) {
	for _, name := range []string{"vp8.ivf", "vp9.ivf", "vp9-p2.ivf", "av1.ivf"} {
		h, frames := readAll(f, mediatest.ReadTestdata(f, name))
		f.Add(h.FourCC, frames[0].Data[:min(len(frames[0].Data), 64)])
		f.Add(h.FourCC, frames[1].Data[:min(len(frames[1].Data), 64)])
	}
	f.Fuzz(func(t *testing.T, fourcc string, frame []byte) {
		w, h, ok := FrameSize(fourcc, frame)
		if ok && (w <= 0 || h <= 0) {
			t.Fatalf("FrameSize ok with %dx%d", w, h)
		}
		if isKeyframe(fourcc, frame) && !ok {
			t.Fatal("a keyframe without a frame size")
		}
	})
}
