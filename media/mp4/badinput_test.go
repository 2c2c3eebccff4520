package mp4

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// TestNewWriterErrors checks the track setups NewWriter refuses, VP8
// with a message that says what to do instead.
func TestNewWriterErrors(t *testing.T) {
	for _, c := range []struct {
		name   string
		tracks []TrackSpec
		want   error
	}{
		{"VP8", []TrackSpec{{Codec: CodecVP8}, opusSpec}, ErrCodecNotAllowed},
		{"no tracks", nil, ErrBadTrack},
		{"unknown codec", []TrackSpec{{Codec: "H265"}}, ErrBadTrack},
		{"Matroska codec ID", []TrackSpec{{Codec: "V_VP9"}}, ErrBadTrack},
		{"two videos", []TrackSpec{{Codec: CodecH264}, {Codec: CodecVP9}}, ErrBadTrack},
		{"six channels", []TrackSpec{{Codec: CodecOpus, Channels: 6}}, ErrBadTrack},
		{"negative size", []TrackSpec{{Codec: CodecAV1, Width: -1}}, ErrBadTrack},
	} {
		_, err := NewWriter(io.Discard, c.tracks, Options{})
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	_, err := NewWriter(io.Discard, []TrackSpec{{Codec: CodecVP8}}, Options{})
	if msg := "VP8 is not allowed in MP4 by common players; use --format webm or mkv"; err == nil || !strings.Contains(err.Error(), msg) {
		t.Errorf("VP8: %v, want it to say %q", err, msg)
	}
}

// TestBadFrames feeds frames the Writer must refuse, each with an error
// and no harm: the Writer then writes a good file.
func TestBadFrames(t *testing.T) {
	video, audio := h264Frames(t), oggFrames(t, "opus-stereo.ogg", 1)
	av1Key := ivfFrames(t, "av1.ivf")[0].data
	vp9Delta := ivfFrames(t, "vp9.ivf")[1].data
	for _, c := range []struct {
		name  string
		codec string
		track int
		data  []byte
		key   bool
		want  error
	}{
		{"empty video", CodecH264, 0, nil, true, ErrBadFrame},
		{"empty audio", CodecH264, 1, []byte{}, true, ErrBadFrame},
		{"track out of range", CodecH264, 2, audio[0].data, true, ErrBadFrame},
		{"negative track", CodecH264, -1, audio[0].data, true, ErrBadFrame},
		{"oversized", CodecH264, 0, make([]byte, MaxFrameSize+1), true, ErrBadFrame},
		{"not Annex-B", CodecH264, 0, []byte("garbage, no start code"), true, ErrBadFrame},
		{"H264 without SPS", CodecH264, 0, []byte{0, 0, 0, 1, 0x65, 0x88, 0x84, 0, 0, 1, 0x68, 0xce}, true, ErrWaitingForKeyframe},
		{"H264 garbage SPS", CodecH264, 0, []byte{0, 0, 1, 0x67, 0xff, 0, 0, 1, 0x68, 0xce, 0, 0, 1, 0x65, 0x88}, true, ErrBadFrame},
		{"only delimiters", CodecH264, 0, []byte{0, 0, 0, 1, 0x09, 0xf0}, true, ErrWaitingForKeyframe},
		{"bad Opus TOC", CodecH264, 1, []byte{0x03}, true, ErrBadFrame},
		{"AV1 without sequence header", CodecAV1, 0, []byte{0x12, 0, 0x32, 1, 0}, true, ErrWaitingForKeyframe},
		{"AV1 broken framing", CodecAV1, 0, []byte{0x0a, 0x7f, 1}, true, ErrBadFrame},
		{"AV1 only a delimiter", CodecAV1, 0, []byte{0x12, 0}, true, ErrBadFrame},
		{"VP9 delta marked key", CodecVP9, 0, vp9Delta, true, ErrWaitingForKeyframe},
		{"VP9 garbage", CodecVP9, 0, []byte{0xff, 0xff}, true, ErrBadFrame},
	} {
		w, err := NewWriter(io.Discard, []TrackSpec{{Codec: c.codec}, opusSpec}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteFrame(c.track, c.data, 0, c.key); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
		good := map[string][]byte{CodecH264: video[0].data, CodecAV1: av1Key, CodecVP9: ivfFrames(t, "vp9.ivf")[0].data}[c.codec]
		if err := w.WriteFrame(0, good, time.Second, true); err != nil {
			t.Errorf("%s: a good keyframe after it: %v", c.name, err)
		}
		if err := w.Close(); err != nil {
			t.Errorf("%s: Close: %v", c.name, err)
		}
	}
}

// TestNonMonotonic checks that a frame earlier than its track's last is
// refused and the track goes on.
func TestNonMonotonic(t *testing.T) {
	audio := oggFrames(t, "opus-stereo.ogg", 0)
	w, err := NewWriter(io.Discard, []TrackSpec{opusSpec}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, pts := range []time.Duration{time.Second, time.Second, 2 * time.Second} {
		if err := w.WriteFrame(0, audio[0].data, pts, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteFrame(0, audio[0].data, time.Second, true); !errors.Is(err, ErrNonMonotonic) {
		t.Errorf("err = %v, want ErrNonMonotonic", err)
	}
	if err := w.WriteFrame(0, audio[0].data, 50*time.Hour, true); !errors.Is(err, ErrBadFrame) {
		t.Errorf("a 50 h gap: err = %v, want ErrBadFrame", err)
	}
	if err := w.WriteFrame(0, audio[0].data, 3*time.Second, true); err != nil {
		t.Errorf("after the refused frames: %v", err)
	}
}

// TestHeaderOnly closes Writers that never started: the file has the
// tracks and no samples, and ffprobe reads it.
func TestHeaderOnly(t *testing.T) {
	requireTool(t, "ffprobe")
	for _, c := range videoCases {
		for _, opts := range []Options{{}, {Fragmented: true}} {
			path := writeFile(t, c.name, []TrackSpec{{Codec: c.codec}, opusSpec}, opts, oggFrames(t, "opus-stereo.ogg", 1)[:5], nil)
			var p probe
			msg := ffprobeErrors(t, path, &p)
			if len(p.Streams) != 2 || len(p.Packets) != 0 || p.Streams[0].CodecName != c.probeName {
				t.Errorf("%s: streams %+v, %d packets; want %s and opus, no packets", c.name, p.Streams, len(p.Packets), c.probeName)
			}
			// dav1d complains that it never saw a sequence header, rightly.
			if msg != "" && !(c.codec == CodecAV1 && strings.Contains(msg, "No sequence header")) {
				t.Errorf("%s without frames: ffprobe reported errors:\n%s", c.name, msg)
			}
		}
	}
}

// TestAppendAVC checks the H264 sample format: 4-byte lengths, without
// access unit delimiters and filler data.
func TestAppendAVC(t *testing.T) {
	nals := [][]byte{{0x09, 0xf0}, {0x67, 1, 2}, {0x68, 3}, {0x65, 4, 5, 6}, {0x0c, 0xff, 0xff}}
	want := []byte{0, 0, 0, 3, 0x67, 1, 2, 0, 0, 0, 2, 0x68, 3, 0, 0, 0, 4, 0x65, 4, 5, 6}
	if got := appendAVC(nil, nals); !bytes.Equal(got, want) {
		t.Errorf("appendAVC = % x, want % x", got, want)
	}
}
