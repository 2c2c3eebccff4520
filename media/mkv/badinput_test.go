package mkv

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

func TestBadInput(t *testing.T) {
	_, _, opus := samples(t)
	for _, c := range []struct {
		name   string
		webm   bool
		tracks []TrackSpec
		want   error
	}{
		{"no tracks", true, nil, ErrBadTrack},
		{"unknown codec", false, []TrackSpec{{CodecID: idOf("H265")}}, ErrBadTrack},
		{"h264 in webm", true, []TrackSpec{{CodecID: idOf("H264")}}, ErrCodecNotAllowed},
		{"two video tracks", false, []TrackSpec{{CodecID: idOf("VP8")}, {CodecID: idOf("VP9")}}, ErrBadTrack},
		{"opus at 44.1 kHz", true, []TrackSpec{{CodecID: idOf("opus"), SampleRate: 44100}}, ErrBadTrack},
		{"6 channels without OpusHead", true, []TrackSpec{{CodecID: idOf("opus"), Channels: 6}}, ErrBadTrack},
		{"negative channels", true, []TrackSpec{{CodecID: idOf("opus"), Channels: -1}}, ErrBadTrack},
		{"not an OpusHead", true, []TrackSpec{{CodecID: idOf("opus"), CodecPrivate: []byte("OpusTags")}}, ErrBadTrack},
		{"negative size", true, []TrackSpec{{CodecID: idOf("VP8"), Width: -1}}, ErrBadTrack},
		{"avcC with 2-byte lengths", false, []TrackSpec{{CodecID: idOf("H264"), CodecPrivate: []byte{1, 0x42, 0, 0x1e, 0xfd, 0xe0, 0}}}, ErrBadTrack},
	} {
		if _, err := NewWriter(&mediatest.FileBuffer{}, c.webm, c.tracks); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}

	var f mediatest.FileBuffer
	w, err := NewWriter(&f, true, []TrackSpec{{CodecID: idOf("opus")}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		track int
		data  []byte
		pts   time.Duration
	}{
		{"empty frame", 0, nil, 0},
		{"track -1", -1, opus, 0},
		{"track 1 of 1", 1, opus, 0},
		{"bad opus TOC", 0, []byte{0x03}, 0},
		{"too large", 0, make([]byte, MaxFrameSize+1), 0},
	} {
		if err := w.WriteFrame(c.track, c.data, c.pts, true); !errors.Is(err, ErrBadFrame) {
			t.Errorf("%s: err = %v, want ErrBadFrame", c.name, err)
		}
	}
	// The start can be anywhere on the timeline, and jumps huge.
	for _, pts := range []time.Duration{-time.Hour, 0, math.MaxInt64 / 2} {
		if err := w.WriteFrame(0, opus, pts, true); err != nil {
			t.Errorf("pts %v: %v", pts, err)
		}
	}
	if err := w.WriteFrame(0, opus, math.MaxInt64, true); !errors.Is(err, ErrBadFrame) {
		t.Errorf("pts beyond what the timeline can hold: err = %v, want ErrBadFrame", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := w.WriteFrame(0, opus, 0, true); !errors.Is(err, ErrClosed) {
		t.Errorf("WriteFrame after Close: err = %v, want ErrClosed", err)
	}

	// Odd video payloads: none may panic, all are refused.
	for _, c := range []struct {
		codec string
		data  []byte
	}{
		{"H264", []byte{1, 2, 3}},       // no start code
		{"H264", []byte{0, 0, 1}},       // no NAL unit
		{"H264", []byte{0, 0, 1, 0x67}}, // an SPS cut short
		{"AV1", []byte{0x80}},           // forbidden bit
		{"AV1", []byte{0x12, 0x00}},     // only a temporal delimiter
		{"AV1", []byte{0x0a, 0x05, 1}},  // size beyond the data
	} {
		w, _ := NewWriter(&mediatest.FileBuffer{}, false, []TrackSpec{{CodecID: idOf(c.codec)}})
		if err := w.WriteFrame(0, c.data, 0, true); err == nil {
			t.Errorf("%s %x: accepted", c.codec, c.data)
		}
	}
}
