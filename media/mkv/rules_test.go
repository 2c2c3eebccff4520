package mkv

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

func TestMonotonic(t *testing.T) {
	key, delta, opus := samples(t)
	var f mediatest.FileBuffer
	w, err := NewWriter(&f, true, avTracks)
	if err != nil {
		t.Fatal(err)
	}
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	steps := []struct {
		track int
		pts   time.Duration
		want  error
	}{
		{0, ms(1000), nil},
		{0, ms(1100), nil},
		{0, ms(1050), ErrNonMonotonic}, // backwards within the track
		{0, ms(1100), nil},             // equal is fine
		{1, ms(990), nil},              // audio behind video: another track; before the start: dropped
		{1, ms(1000), nil},
		{1, ms(999), ErrNonMonotonic},
		{1, ms(41000), nil},            // opens a cluster at 40 s
		{0, ms(5000), ErrNonMonotonic}, // 36 s behind it: no int16 offset
		{0, ms(40000), nil},            // -1000 ms is fine
	}
	for i, s := range steps {
		data := delta
		if s.track == 1 {
			data = opus
		} else if i == 0 {
			data = key
		}
		err := w.WriteFrame(s.track, data, s.pts, i == 0)
		if !errors.Is(err, s.want) || (s.want == nil && err != nil) {
			t.Errorf("step %d (track %d at %v): err = %v, want %v", i, s.track, s.pts, err, s.want)
		}
	}
	r := parseBytes(t, closed(t, w, &f))
	var got []int64
	for _, b := range r.blocks() {
		got = append(got, b.ms)
	}
	want := []int64{0, 100, 100, 0, 40000, 39000}
	if !slices.Equal(got, want) {
		t.Errorf("block times %v, want %v", got, want)
	}
}

func TestClusters(t *testing.T) {
	key, delta, opus := samples(t)
	var frames []frame
	for i := range 25 * 30 { // 25 s at 30 fps, keyframes at 0 and 12 s
		f := frame{data: delta, pts: time.Duration(i) * time.Second / 30}
		if i == 0 || i == 12*30 {
			f.data, f.key = key, true
		}
		frames = append(frames, f)
	}
	for i := range 25 * 50 {
		frames = append(frames, frame{track: 1, data: opus, pts: time.Duration(i) * 20 * time.Millisecond, key: true})
	}
	frames = append(frames, frame{data: delta, pts: 5 * time.Hour}) // a huge jump
	var f mediatest.FileBuffer
	w, _ := NewWriter(&f, true, avTracks)
	for _, fr := range interleave(frames) {
		if err := w.WriteFrame(fr.track, fr.data, fr.pts, fr.key); err != nil {
			t.Fatal(err)
		}
	}
	r := parseBytes(t, closed(t, w, &f))
	var starts []uint64
	for _, c := range r.Segment.Cluster {
		starts = append(starts, c.Timecode)
		first, last := c.SimpleBlock[0], c.SimpleBlock[len(c.SimpleBlock)-1]
		if int(last.Timecode) >= maxCluster || first.Timecode != 0 {
			t.Errorf("cluster at %d ms has blocks from %d to %d ms", c.Timecode, first.Timecode, last.Timecode)
		}
	}
	want := []uint64{0, 5000, 10000, 12000, 17000, 22000, 5 * 3600 * 1000}
	if len(starts) != len(want) {
		t.Fatalf("clusters at %v ms, want %v", starts, want)
	}
	for i := range want {
		if starts[i] != want[i] {
			t.Fatalf("clusters at %v ms, want %v", starts, want)
		}
	}
	if n := len(r.Segment.Cues.CuePoint); n != 2 {
		t.Errorf("%d cues, want one per keyframe", n)
	}
	if d := r.Segment.Info.Duration; d < 5*3600*1000 {
		t.Errorf("Duration %v ms, want past the frame at 5 h", d)
	}

	// Audio only: every 5 s, each cluster a cue.
	f = mediatest.FileBuffer{}
	w, _ = NewWriter(&f, true, []TrackSpec{{CodecID: idOf("opus")}})
	for i := range 12 * 50 {
		if err := w.WriteFrame(0, opus, time.Duration(i)*20*time.Millisecond, false); err != nil {
			t.Fatal(err)
		}
	}
	r = parseBytes(t, closed(t, w, &f))
	if n, c := len(r.Segment.Cluster), len(r.Segment.Cues.CuePoint); n != 3 || c != 3 {
		t.Errorf("audio only: %d clusters and %d cues, want 3 of each", n, c)
	}
	for _, b := range r.blocks() {
		if !b.key {
			t.Fatal("audio block without the keyframe flag")
		}
	}
}
