package mkv

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/at-wat/ebml-go"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

func TestWriteError(t *testing.T) {
	frames := interleave(ivfFrames(t, "vp8.ivf"), oggFrames(t, "opus-stereo.ogg", 1))
	for _, limit := range []int{0, 10, 300, 5000, 50000} {
		w, err := NewWriter(&mediatest.FailAfter{N: limit}, true, avTracks)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range frames {
			if err = w.WriteFrame(f.track, f.data, f.pts, f.key); err != nil {
				break
			}
		}
		if !errors.Is(err, ErrWrite) || !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("limit %d: err = %v, want ErrWrite wrapping ENOSPC", limit, err)
		}
		if err2 := w.WriteFrame(1, frames[1].data, 1<<40, true); !errors.Is(err2, syscall.ENOSPC) {
			t.Errorf("limit %d: next write err = %v, want the same failure", limit, err2)
		}
		if err2 := w.Close(); !errors.Is(err2, syscall.ENOSPC) {
			t.Errorf("limit %d: Close err = %v, want the same failure", limit, err2)
		}
	}
}

func TestCloseSeekError(t *testing.T) {
	key, _, _ := samples(t)
	var f mediatest.FailingSeeker
	w, _ := NewWriter(&f, true, avTracks)
	if err := w.WriteFrame(0, key, 0, true); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); !errors.Is(err, ErrWrite) || !errors.Is(err, syscall.EIO) {
		t.Fatalf("Close err = %v, want ErrWrite wrapping EIO", err)
	}
}

// writeFixtures writes vp8.ivf and opus-stereo.ogg to dst and returns the
// Writer, not closed, as a crash would leave it, and the offset at which
// each frame ends.
func writeFixtures(t *testing.T, dst io.Writer, size func() int) (*Writer, []int) {
	t.Helper()
	frames := interleave(ivfFrames(t, "vp8.ivf"), oggFrames(t, "opus-stereo.ogg", 1))
	w, err := NewWriter(dst, true, avTracks)
	if err != nil {
		t.Fatal(err)
	}
	var ends []int
	for _, f := range frames {
		if err := w.WriteFrame(f.track, f.data, f.pts, f.key); err != nil {
			t.Fatal(err)
		}
		ends = append(ends, size())
	}
	return w, ends
}

// TestLive checks that what a Writer has written plays before Close, and
// that Close on a pipe leaves that live file as it is.
func TestLive(t *testing.T) {
	requireTool(t, "ffprobe")
	var buf bytes.Buffer // cannot seek
	w, ends := writeFixtures(t, &buf, buf.Len)
	n := len(ends)
	b := bytes.Clone(buf.Bytes())
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, buf.Bytes()) {
		t.Error("Close on a destination that cannot seek changed the output")
	}
	path := filepath.Join(t.TempDir(), "live.webm")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	p, stderr := ffprobe(t, path)
	if stderr != "" {
		t.Errorf("ffprobe reported errors:\n%s", stderr)
	}
	if len(p.Packets) != n {
		t.Errorf("ffprobe read %d packets, %d were written", len(p.Packets), n)
	}
	if msg := decodeErrors(t, path); msg != "" {
		t.Errorf("ffmpeg decode errors:\n%s", msg)
	}
	rb := readBack(t, path)
	if len(rb.blocks()) != n {
		t.Errorf("ebml-go read %d blocks, %d were written", len(rb.blocks()), n)
	}
	for name, sizes := range rb.sizes {
		for _, s := range sizes {
			if s == ebml.SizeUnknown && name != "Segment" && name != "Cluster" {
				t.Errorf("a %s has an unknown size", name)
			}
			if s != ebml.SizeUnknown && (name == "Segment" || name == "Cluster") {
				t.Errorf("a live %s has size %d, want unknown", name, s)
			}
		}
	}
}

// TestCrashCut cuts recordings at arbitrary points, as a crash or a full
// disk would, and checks every frame written before the cut plays, with
// no complaint but about the end. A live recording is what a crash
// leaves; a finished one cut short is a partial copy.
func TestCrashCut(t *testing.T) {
	requireTool(t, "ffprobe")
	var live bytes.Buffer
	_, liveEnds := writeFixtures(t, &live, live.Len)
	var finished mediatest.FileBuffer
	// Each file has its own ends: track UIDs are random, and one that
	// happens to encode in fewer bytes shifts every frame after the
	// header (the "finished7686" failure, about one run in a hundred).
	w, finishedEnds := writeFixtures(t, &finished, func() int { return len(finished.Bytes()) })
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		b    []byte
		ends []int
	}{{"live", live.Bytes(), liveEnds}, {"finished", finished.Bytes(), finishedEnds}} {
		b, ends := c.b, c.ends
		for _, cut := range []int{ends[0] - 1, ends[0], ends[0] + 7, len(b) / 3, len(b) / 2, len(b)*3/4 + 1, ends[len(ends)-1] - 1} {
			t.Run(fmt.Sprint(c.name, cut), func(t *testing.T) {
				path := filepath.Join(dir, fmt.Sprintf("%s%d.webm", c.name, cut))
				if err := os.WriteFile(path, b[:cut], 0o644); err != nil {
					t.Fatal(err)
				}
				complete := 0
				for _, e := range ends {
					if e <= cut {
						complete++
					}
				}
				p, stderr := ffprobe(t, path)
				checkOnlyTruncation(t, "ffprobe", stderr)
				if got := len(p.Packets); got < complete || got > complete+1 {
					t.Errorf("ffprobe read %d packets, want the %d complete before the cut", got, complete)
				}
				checkOnlyTruncation(t, "ffmpeg", decodeErrors(t, path))
			})
		}
	}
}

// checkOnlyTruncation fails on any ffmpeg message but the one for a file
// that ends inside an element.
func checkOnlyTruncation(t *testing.T, tool, msg string) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(msg), "\n") {
		if line != "" && !strings.Contains(line, "File ended prematurely") {
			t.Errorf("%s: %s", tool, line)
		}
	}
}

// TestHeaderOnly closes Writers that never started: the file has the
// tracks and no frames, and ffprobe reads it.
func TestHeaderOnly(t *testing.T) {
	requireTool(t, "ffprobe")
	for _, c := range videoCases {
		path := filepath.Join(t.TempDir(), c.name)
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		w, err := NewWriter(f, c.webm, []TrackSpec{{CodecID: idOf(c.codec)}, {CodecID: idOf("opus")}})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		p, stderr := ffprobe(t, path)
		if len(p.Streams) != 2 || len(p.Packets) != 0 {
			t.Errorf("%s: %d streams, %d packets, want 2 and none", c.name, len(p.Streams), len(p.Packets))
		}
		// dav1d complains that it never saw a sequence header, rightly.
		if stderr != "" && !(c.codec == "AV1" && strings.Contains(stderr, "No sequence header")) {
			t.Errorf("%s without frames: ffprobe reported errors:\n%s", c.name, stderr)
		}
	}
}
