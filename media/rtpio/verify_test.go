package rtpio

import (
	"bytes"
	"slices"
	"testing"
	"time"
)

// runAndVerify sends s through the network model and checks everything a
// receiver relies on: emitted frames are exactly the model's, byte for byte,
// in order, with keyframes flagged and unwrapped timestamps; nothing follows
// a loss but a keyframe; the stats add up.
func runAndVerify(t *testing.T, s *testStream, cfg netConfig) (Stats, []Frame) {
	t.Helper()
	const maxDelay = 500 * time.Millisecond
	sim := simulate(t, s, cfg)
	a, err := NewAssembler(AssemblerConfig{Codec: codecOf(s.codec), MaxDelay: maxDelay})
	if err != nil {
		t.Fatal(err)
	}
	got := sim.run(a, maxDelay)
	want := sim.expect()
	st := a.Stats()

	byTS := make(map[uint32]int, len(s.ts))
	for i, ts := range s.ts {
		byTS[ts] = i
	}
	// The sender's timestamps unwrapped, to compare with Frame.Timestamp.
	unwrapped := make([]int64, len(s.ts))
	for i := 1; i < len(s.ts); i++ {
		unwrapped[i] = unwrapped[i-1] + int64(int32(s.ts[i]-s.ts[i-1]))
	}

	idx := make([]int, len(got))
	for k, f := range got {
		i, ok := byTS[uint32(f.Timestamp)] // low 32 bits are the RTP timestamp
		if !ok {
			t.Fatalf("frame %d: timestamp %d matches no source frame", k, f.Timestamp)
		}
		idx[k] = i
		if !bytes.Equal(f.Data, s.frames[i]) {
			t.Fatalf("frame %d (source %d): %d bytes differ from the %d-byte source",
				k, i, len(f.Data), len(s.frames[i]))
		}
		if f.Keyframe != s.key[i] {
			t.Errorf("frame %d (source %d): Keyframe = %v, want %v", k, i, f.Keyframe, s.key[i])
		}
		if k == 0 {
			continue
		}
		if d := int64(f.Timestamp - got[0].Timestamp); d != unwrapped[i]-unwrapped[idx[0]] {
			t.Errorf("frame %d: unwrapped timestamp offset %d, want %d", k, d, unwrapped[i]-unwrapped[idx[0]])
		}
		gap := i != idx[k-1]+1
		if gap && !f.Discontinuity {
			t.Errorf("frame %d (source %d) follows %d without Discontinuity", k, i, idx[k-1])
		}
		if s.codec != "opus" && f.Discontinuity && !f.Keyframe {
			t.Errorf("frame %d (source %d): inter frame emitted after a loss", k, i)
		}
	}
	if !slices.Equal(idx, want.frames) {
		t.Fatalf("emitted frames differ from the model\n got %v\nwant %v", idx, want.frames)
	}

	checkInvariant(t, st)
	if st.Buffered != 0 {
		t.Errorf("Buffered = %d after Flush", st.Buffered)
	}
	for _, c := range []struct {
		name      string
		got, want uint64
	}{
		{"Packets", st.Packets, uint64(len(sim.deliveries))},
		{"Frames", st.Frames, uint64(len(got))},
		{"Lost", st.Lost, uint64(want.lost)},
		{"Late", st.Late, uint64(want.late)},
		{"Duplicates", st.Duplicates, uint64(want.duplicates)},
		{"Padding", st.Padding, uint64(want.padding)},
		{"KeyframeWaits", st.KeyframeWaits, uint64(want.keyframeWaits)},
	} {
		if c.got != c.want {
			t.Errorf("Stats.%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	if st.Frames+st.FramesDropped > uint64(len(s.frames)) {
		t.Errorf("Frames %d + FramesDropped %d > %d source frames", st.Frames, st.FramesDropped, len(s.frames))
	}

	return st, got
}

func checkInvariant(t testing.TB, st Stats) {
	t.Helper()
	if sum := st.Padding + st.Duplicates + st.Late + st.Delivered + st.Discarded + st.Buffered; sum != st.Packets {
		t.Fatalf("stats do not add up: %+v (sum %d)", st, sum)
	}
}
