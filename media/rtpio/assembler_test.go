package rtpio

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

var codecNames = []string{"VP8", "VP9", "AV1", "opus", "H264"}

func streamsFor(t *testing.T, codec string) map[string]*testStream {
	streams := map[string]*testStream{"synth": synthStream(codec, 240, 48, 7)}
	if codec != "opus" {
		streams["real"] = realStream(t, codec)
	}

	return streams
}

func TestAssemblerInOrder(t *testing.T) {
	for _, codec := range codecNames {
		for name, s := range streamsFor(t, codec) {
			for _, mtu := range []int{1200, 300} {
				t.Run(fmt.Sprintf("%s/%s/mtu%d", codec, name, mtu), func(t *testing.T) {
					st, got := runAndVerify(t, s, netConfig{mtu: mtu})
					if len(got) != len(s.frames) || st.FramesDropped != 0 || st.Discarded != 0 {
						t.Fatalf("got %d of %d frames, stats %+v", len(got), len(s.frames), st)
					}
				})
			}
		}
	}
}

// TestAssemblerLossless covers networks that lose nothing for good: every
// source frame must come out, identical.
func TestAssemblerLossless(t *testing.T) {
	cases := []struct {
		name string
		cfg  netConfig
	}{
		{"shuffle8", netConfig{shuffle: 8}},
		// 20 Opus packets span 400 ms, within MaxDelay.
		{"shuffle20", netConfig{shuffle: 20}},
		{"duplicates", netConfig{dup: 0.2}},
		{"retransmitted", netConfig{loss: 0.1, retries: 20, rtxDelay: 20 * time.Millisecond}},
		{"padding", netConfig{padding: 0.5}},
		{"everything", netConfig{shuffle: 6, dup: 0.1, padding: 0.3, loss: 0.05, retries: 20, rtxDelay: 20 * time.Millisecond}},
		{"seq-wrap", netConfig{startSeq: ptr(uint16(65500)), dup: 0.05}},
	}
	for _, c := range cases {
		for _, codec := range codecNames {
			for name, s := range streamsFor(t, codec) {
				t.Run(fmt.Sprintf("%s/%s/%s", c.name, codec, name), func(t *testing.T) {
					for seed := range uint64(4) {
						cfg := c.cfg
						cfg.seed = seed
						cfg.mtu = 500
						st, got := runAndVerify(t, s, cfg)
						// Audio starts at the first packet to arrive; what it
						// overtook is late (video holds its start instead).
						if missing := len(s.frames) - len(got); missing > int(st.Late) || (codec != "opus" && missing != 0) {
							t.Fatalf("seed %d: got %d of %d frames, stats %+v", seed, len(got), len(s.frames), st)
						}
						if st.Lost != 0 || st.FramesDropped != 0 {
							t.Fatalf("seed %d: stats %+v", seed, st)
						}
					}
				})
			}
		}
	}
}

// TestAssemblerLoss loses packets for good: the output must be exactly the
// complete frames the model allows, resuming only at keyframes.
func TestAssemblerLoss(t *testing.T) {
	cases := []struct {
		name string
		cfg  netConfig
	}{
		{"5%", netConfig{loss: 0.05}},
		{"25%", netConfig{loss: 0.25}},
		{"5%+nack", netConfig{loss: 0.05, retries: 1, rtxDelay: 150 * time.Millisecond}},
		{"25%+nack", netConfig{loss: 0.25, retries: 2, rtxDelay: 150 * time.Millisecond}},
		{"25%+nack+dup+padding", netConfig{
			loss: 0.25, retries: 2, rtxDelay: 150 * time.Millisecond, dup: 0.1, padding: 0.3, padLoss: true,
		}},
	}
	for _, c := range cases {
		for _, codec := range codecNames {
			s := synthStream(codec, 480, 24, 11)
			t.Run(c.name+"/"+codec, func(t *testing.T) {
				var frames, dropped, lost uint64
				for seed := range uint64(5) {
					cfg := c.cfg
					cfg.seed = 100 + seed
					st, _ := runAndVerify(t, s, cfg)
					frames, dropped, lost = frames+st.Frames, dropped+st.FramesDropped, lost+st.Lost
				}
				if lost == 0 {
					t.Fatal("nothing was lost: the test tests nothing")
				}
				t.Logf("5 runs: %d frames emitted, %d dropped, %d packets lost", frames, dropped, lost)
			})
		}
	}
}

func TestAssemblerTimestampWrap(t *testing.T) {
	for _, codec := range codecNames {
		t.Run(codec, func(t *testing.T) {
			s := synthStream(codec, 120, 24, 3)
			s.startAt(^uint32(0) - 30*videoTick)
			_, got := runAndVerify(t, s, netConfig{startSeq: ptr(uint16(65500)), loss: 0.05, retries: 2, rtxDelay: 50 * time.Millisecond})
			for k := 1; k < len(got); k++ {
				if got[k].Timestamp <= got[k-1].Timestamp {
					t.Fatalf("frame %d: timestamp %d after %d", k, got[k].Timestamp, got[k-1].Timestamp)
				}
			}
			if len(got) < 2 || got[len(got)-1].Timestamp < 1<<33 {
				t.Fatalf("timestamps did not cross 2^32 upwards: %d frames", len(got))
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestAssemblerSharedFixtures round-trips every IVF file in the repository's
// shared testdata (other encoders, profiles and timebases than ours) through
// a clean and a lossy network. Keyframes there are whatever the bitstream
// says; the detection itself is pinned by realStream's known GOP.
func TestAssemblerSharedFixtures(t *testing.T) {
	paths, _ := filepath.Glob(mediatest.Testdata("*.ivf"))
	if len(paths) == 0 {
		t.Skip("no shared IVF fixtures")
	}
	nameOf := map[string]string{"VP80": "VP8", "VP90": "VP9", "AV01": "AV1"}
	for _, path := range paths {
		if strings.Contains(path, "truncated") {
			continue // a deliberately cut file, for the IVF reader's tests
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			fourcc, frames := readIVF(t, path)
			codec, ok := nameOf[fourcc]
			if !ok {
				t.Skipf("fourcc %q", fourcc)
			}
			s := &testStream{codec: codec}
			for _, f := range frames {
				s.add(f, codecOf(codec).Keyframe(f))
			}
			if !s.key[0] {
				t.Fatal("first frame is not detected as a keyframe")
			}
			for _, mtu := range []int{1200, 200} {
				if _, got := runAndVerify(t, s, netConfig{mtu: mtu}); len(got) != len(frames) {
					t.Fatalf("mtu %d: %d of %d frames", mtu, len(got), len(frames))
				}
			}
			runAndVerify(t, s, netConfig{mtu: 600, seed: 3, loss: 0.1, dup: 0.1, retries: 1, rtxDelay: 100 * time.Millisecond})
		})
	}
}
