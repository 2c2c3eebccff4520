package media

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// muxInput is a source file's frames as a receiver would get them: RTP
// timestamps from a random base, and the sender's wall clock time of each.
type muxInput struct {
	codec  *Codec
	frames []Frame
	walls  []time.Time
	srRTP  uint32
	srWall time.Time
}

func loadMuxInput(t *testing.T, name string, start time.Time, base uint32) muxInput {
	t.Helper()
	samples := readAllT(t, filepath.Join("..", "testdata", name))
	src, err := Open(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	codec := src.Track().Codec
	src.Close()
	in := muxInput{codec: codec, srRTP: base, srWall: start}
	for _, s := range samples {
		in.frames = append(in.frames, Frame{Data: s.Data, Timestamp: uint64(base) + s.Ticks, Keyframe: s.Keyframe})
		in.walls = append(in.walls, start.Add(s.Offset))
	}
	return in
}

// TestMuxerKeepsEveryFrame writes a video and an Opus track, with one
// starting a little before the other and frames reaching the muxer in
// either order: the file's timeline starts at the earliest frame of either
// track, and no frame is lost (the first Opus packet used to be, one run
// in three, when it came 6.5 ms before the video).
func TestMuxerKeepsEveryFrame(t *testing.T) {
	mediatest.RequireTool(t, "ffprobe")
	t0 := time.Unix(1_700_000_000, 0)
	for _, c := range []struct {
		name       string
		audioLead  time.Duration // audio starts this much before video (negative: after)
		videoFirst bool          // the first video frame reaches the muxer before any audio
	}{
		{"audio 6.5ms early, video arrives first", 6500 * time.Microsecond, true},
		{"audio 6.5ms early, audio arrives first", 6500 * time.Microsecond, false},
		{"video 40ms early, video arrives first", -40 * time.Millisecond, true},
		{"video 40ms early, audio arrives first", -40 * time.Millisecond, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			video := loadMuxInput(t, "vp8.ivf", t0, 1000)
			audio := loadMuxInput(t, "opus-stereo.ogg", t0.Add(-c.audioLead), 5000)
			now := t0
			m, path := newTestMuxer(t, &now)
			// Tracks declared in the order their first frames arrive.
			order := []*muxInput{&audio, &video}
			if c.videoFirst {
				order = []*muxInput{&video, &audio}
			}
			tracks := map[*muxInput]*MuxTrack{}
			for _, in := range order {
				tr, err := m.Track(in.codec, 2)
				if err != nil {
					t.Fatal(err)
				}
				tr.SenderReport(in.srWall, in.srRTP)
				tracks[in] = tr
			}
			// Frames arrive by wall clock, but the first of the track
			// that arrives first comes before anything of the other.
			type arrival struct {
				in *muxInput
				i  int
			}
			var all []arrival
			for _, in := range order {
				for i := range in.frames {
					all = append(all, arrival{in, i})
				}
			}
			slices.SortStableFunc(all, func(a, b arrival) int { return a.in.walls[a.i].Compare(b.in.walls[b.i]) })
			first := slices.IndexFunc(all, func(a arrival) bool { return a.in == order[0] && a.i == 0 })
			head := all[first]
			all = append([]arrival{head}, slices.Delete(all, first, first+1)...)
			for _, a := range all {
				now = now.Add(time.Millisecond)
				if err := tracks[a.in].WriteFrame(a.in.frames[a.i]); err != nil {
					t.Fatal(err)
				}
			}
			for _, in := range order {
				if err := tracks[in].Close(); err != nil {
					t.Fatal(err)
				}
				if d := tracks[in].Dropped(); d != 0 {
					t.Errorf("%v: %d frames dropped", in.codec, d)
				}
			}
			streams := probePackets(t, path)
			if got, want := len(streams["video"]), len(video.frames); got != want {
				t.Errorf("%d video packets, want %d", got, want)
			}
			if got, want := len(streams["audio"]), len(audio.frames); got != want {
				t.Errorf("%d audio packets, want %d", got, want)
			}
			// Matroska players subtract Opus's CodecDelay (pre-skip):
			// the audio's first packet shows 6.5 ms early.
			delay := float64(OpusPreSkip) / 48000
			vs, as := streams["video"][0], streams["audio"][0]+delay
			if got, want := vs-as, c.audioLead.Seconds(); math.Abs(got-want) > 0.0015 {
				t.Errorf("video starts %.4f s after audio, want %.4f", got, want)
			}
			if min(vs, as) > 0.0015 {
				t.Errorf("the file starts at %.4f s, not at its earliest frame", min(vs, as))
			}
		})
	}
}

// TestMuxerTrackThatNeverSends is a browser offering a microphone it never
// uses: the file starts with the video after MuxWait, the silent track is
// left out, and nothing waits in memory beyond that.
func TestMuxerTrackThatNeverSends(t *testing.T) {
	mediatest.RequireTool(t, "ffprobe")
	t0 := time.Unix(1_700_000_000, 0)
	video := loadMuxInput(t, "vp8.ivf", t0, 1000)
	now := t0
	m, path := newTestMuxer(t, &now)
	vt, _ := m.Track(VP8, 0)
	at, _ := m.Track(Opus, 2)
	vt.SenderReport(video.srWall, video.srRTP)
	for i, fr := range video.frames {
		now = video.walls[i]
		if err := vt.WriteFrame(fr); err != nil {
			t.Fatal(err)
		}
		m.mu.Lock()
		held := len(m.held)
		m.mu.Unlock()
		if wait := now.Sub(t0); wait > MuxWait && held > 1 {
			t.Fatalf("%d frames still held %v after the first", held, wait)
		}
	}
	vt.Close()
	at.Close()
	streams := probePackets(t, path)
	if len(streams["audio"]) != 0 || len(streams["video"]) != len(video.frames) {
		t.Fatalf("%d video and %d audio packets, want %d and none", len(streams["video"]), len(streams["audio"]), len(video.frames))
	}
}

// newTestMuxer makes a WebM muxer for two tracks into a file of the test,
// on a clock the test sets through now.
func newTestMuxer(t *testing.T, now *time.Time) (*Muxer, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out.webm")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	m, err := NewMuxer(f, FormatWebM, path, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	m.now = func() time.Time { return *now }
	return m, path
}

// probePackets returns each stream's packet times, by codec type.
func probePackets(t *testing.T, path string) map[string][]float64 {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "packet=codec_type,pts_time", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var res struct {
		Packets []struct {
			Type string `json:"codec_type"`
			PTS  string `json:"pts_time"`
		}
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	streams := map[string][]float64{}
	for _, p := range res.Packets {
		v, _ := strconv.ParseFloat(p.PTS, 64)
		streams[p.Type] = append(streams[p.Type], v)
	}
	for _, s := range streams {
		slices.Sort(s)
	}
	return streams
}
