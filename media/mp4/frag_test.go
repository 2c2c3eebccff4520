package mp4

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestFragmented checks the files that stay fragmented: with
// Options.Fragmented, and on a destination that cannot seek (a pipe, as
// for --out -), where Close only writes the last fragment.
func TestFragmented(t *testing.T) {
	requireTool(t, "ffprobe")
	for _, c := range videoCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			video, audio := c.frames(t), oggFrames(t, "opus-stereo.ogg", 1)
			frames := interleave(video, audio)
			specs := []TrackSpec{{Codec: c.codec}, opusSpec}
			path := writeFile(t, c.name, specs, Options{Fragmented: true}, frames, nil)
			checkFragmented(t, path)
			checkFile(t, path, c, video, audio)

			var pipe bytes.Buffer
			w, err := NewWriter(struct{ io.Writer }{&pipe}, specs, Options{})
			if err != nil {
				t.Fatal(err)
			}
			writeFrames(t, w, frames)
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			piped := filepath.Join(t.TempDir(), "piped.mp4")
			if err := os.WriteFile(piped, pipe.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(pipe.Bytes(), readFile(t, path)) {
				t.Error("the piped file differs from the one written with Options.Fragmented")
			}
		})
	}
}

// checkFragmented checks the layout of a fragmented file: ftyp and moov,
// then moof and mdat pairs.
func checkFragmented(t *testing.T, path string) {
	t.Helper()
	boxes := topBoxes(t, path)
	if len(boxes) < 4 || boxes[0].typ != "ftyp" || boxes[1].typ != "moov" {
		t.Fatalf("boxes %v: want ftyp, moov, then fragments", boxes)
	}
	for i, b := range boxes[2:] {
		if want := []string{"moof", "mdat"}[i%2]; b.typ != want {
			t.Errorf("box %d is a %s, want a %s", i+2, b.typ, want)
		}
	}
}

// TestAudioOnly checks that an audio-only file starts with its first
// packet and cuts a fragment every second, in stereo (Channels 0 meaning
// 2) and mono.
func TestAudioOnly(t *testing.T) {
	requireTool(t, "ffprobe")
	for _, c := range []struct {
		source   string
		channels int // in the TrackSpec
		want     int
	}{{"opus-stereo.ogg", 0, 2}, {"opus-mono.ogg", 1, 1}} {
		audio := oggFrames(t, c.source, 0)
		for i := range audio {
			audio[i].pts += 7 * time.Second
		}
		path := writeFile(t, "audio.mp4", []TrackSpec{{Codec: CodecOpus, Channels: c.channels}}, Options{Fragmented: true}, audio, nil)
		p := ffprobe(t, path)
		if len(p.Packets) != len(audio) || p.Streams[0].Channels != c.want {
			t.Errorf("%s: %d packets, %d channels; want %d and %d", c.source, len(p.Packets), p.Streams[0].Channels, len(audio), c.want)
		}
		checkFragmented(t, path)
		// 3 s of packets or a little more: fragments of 1 s, and the rest.
		if n := len(topBoxes(t, path)) - 2; n != 2*4 {
			t.Errorf("%s: %d fragment boxes, want 4 fragments", c.source, n)
		}
		if got, want := audioBytes(t, path), joined(audio); !bytes.Equal(got, want) {
			t.Errorf("%s: audio differs from the source's", c.source)
		}
	}
}

func joined(frames []frame) []byte {
	var b []byte
	for _, f := range frames {
		b = append(b, f.data...)
	}
	return b
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPipe writes to a pipe, an *os.File that cannot seek: the Writer
// must write a stream, the same as with Options.Fragmented.
func TestPipe(t *testing.T) {
	frames := interleave(h264Frames(t), oggFrames(t, "opus-stereo.ogg", 1))
	specs := []TrackSpec{{Codec: CodecH264}, opusSpec}
	r, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	done := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(r)
		done <- b
	}()
	w, err := NewWriter(pw, specs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if w.file != nil {
		t.Error("a pipe taken for a file that can be finished in place")
	}
	writeFrames(t, w, frames)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	got := <-done
	if want := readFile(t, writeFile(t, "frag.mp4", specs, Options{Fragmented: true}, frames, nil)); !bytes.Equal(got, want) {
		t.Errorf("the pipe got %d bytes, not the %d of a fragmented file", len(got), len(want))
	}
}
