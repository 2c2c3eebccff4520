package mkv

import (
	"errors"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/av1"
	"github.com/webrtc-cli/webrtc-cli/media/h264"
	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

func TestStartsAtKeyframe(t *testing.T) {
	video := ivfFrames(t, "vp8.ivf")[5:] // keyframes at 1 s and 2 s
	audio := oggFrames(t, "opus-stereo.ogg", 1)
	// Audio reaches the writer 100 ms before video of the same time, as
	// a keyframe's many packets take longer to arrive.
	const skew = 100 * time.Millisecond
	shifted := make([]frame, len(audio))
	for i, a := range audio {
		shifted[i] = a
		shifted[i].pts -= skew
	}
	order := interleave(video, shifted)

	var f mediatest.FileBuffer
	w, err := NewWriter(&f, true, avTracks)
	if err != nil {
		t.Fatal(err)
	}
	waiting := 0
	for _, fr := range order {
		pts := fr.pts
		if fr.track == 1 {
			pts += skew
		}
		err := w.WriteFrame(fr.track, fr.data, pts, fr.key)
		switch {
		case errors.Is(err, ErrWaitingForKeyframe):
			if fr.track != 0 {
				t.Fatalf("audio frame at %v: %v", pts, err)
			}
			waiting++
		case err != nil:
			t.Fatalf("frame at %v: %v", pts, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if waiting != 19 {
		t.Errorf("%d video frames got ErrWaitingForKeyframe, want the 19 before the keyframe", waiting)
	}
	r := parseBytes(t, f.Bytes())
	blocks := r.blocks()
	// The file opens with the video keyframe, but time 0 is the earliest
	// audio held for it (all of it here: 1 s, under the 5 s bound), so no
	// audio is lost while the video waits for its keyframe.
	if b := blocks[0]; b.track != 1 || !b.key || b.ms != 1000 {
		t.Fatalf("file starts with track %d key=%v at %d ms, want the video keyframe at 1000", b.track, b.key, b.ms)
	}
	if n := len(r.trackBlocks(1)); n != len(video)-19 {
		t.Errorf("%d video blocks, want %d", n, len(video)-19)
	}
	want := audio
	got := r.trackBlocks(2)
	if len(got) != len(want) || got[0].ms != 0 {
		t.Fatalf("%d audio blocks from %d ms, want %d from 0", len(got), got[0].ms, len(want))
	}
	checkBlocks(t, got, want, "opus")
}

func TestStartNeedsDecoderConfig(t *testing.T) {
	_, clip := h264Clip(t)
	key := clip[0]
	nals, _ := h264.AppendNALUnits(nil, key.data)
	var noParams []byte
	for _, n := range nals {
		if typ := n[0] & 0x1f; typ != nalSPS && typ != nalPPS {
			noParams = append(append(noParams, 0, 0, 1), n...)
		}
	}
	tus := ivfFrames(t, "av1.ivf")
	obus, _ := splitOBUs(tus[0].data)
	var noSeq []byte
	for _, o := range obus {
		if o.Type != av1.OBUSequenceHeader {
			noSeq = append(noSeq, o.Raw...)
		}
	}
	for _, c := range []struct {
		codec         string
		without, with []byte
	}{
		{"H264", noParams, key.data},
		{"AV1", noSeq, tus[0].data},
	} {
		var f mediatest.FileBuffer
		w, err := NewWriter(&f, false, []TrackSpec{{CodecID: idOf(c.codec)}})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteFrame(0, c.without, 0, true); !errors.Is(err, ErrWaitingForKeyframe) {
			t.Errorf("%s keyframe without decoder config: err = %v, want ErrWaitingForKeyframe", c.codec, err)
		}
		if len(f.Bytes()) != 0 {
			t.Errorf("%s: %d bytes written before the start", c.codec, len(f.Bytes()))
		}
		if err := w.WriteFrame(0, c.with, time.Second, true); err != nil {
			t.Errorf("%s keyframe with decoder config: %v", c.codec, err)
		}
		// With a CodecPrivate from elsewhere (SDP), any keyframe starts.
		cp := parseBytes(t, closed(t, w, &f)).Segment.Tracks.TrackEntry[0].CodecPrivate
		f = mediatest.FileBuffer{}
		w, _ = NewWriter(&f, false, []TrackSpec{{CodecID: idOf(c.codec), CodecPrivate: cp}})
		if err := w.WriteFrame(0, c.without, 0, true); err != nil {
			t.Errorf("%s keyframe without decoder config but a CodecPrivate: %v", c.codec, err)
		}
	}
}
