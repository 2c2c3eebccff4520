package mp4

import (
	"bytes"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// videoCase is a video input for the end-to-end tests.
type videoCase struct {
	name      string // output file name
	codec     string
	probeName string // ffprobe's codec_name
	source    string // the fixture, which ffmpeg decodes for reference
	frames    func(t testing.TB) []frame
}

func ivfSource(name string) func(t testing.TB) []frame {
	return func(t testing.TB) []frame { return ivfFrames(t, name) }
}

var videoCases = []videoCase{
	{"h264.mp4", CodecH264, "h264", "h264.h264", h264Frames},
	// High profile, so an avcC that ends with chroma format and bit
	// depths; interlaced, two slices a picture.
	{"h264-high.mp4", CodecH264, "h264", "h264-interlaced.h264", func(t testing.TB) []frame {
		return annexBFrames(t, "h264-interlaced.h264")
	}},
	{"av1.mp4", CodecAV1, "av1", "av1.ivf", ivfSource("av1.ivf")},
	{"vp9.mp4", CodecVP9, "vp9", "vp9.ivf", ivfSource("vp9.ivf")},
}

var opusSpec = TrackSpec{Codec: CodecOpus, Channels: 2}

// TestCodecs writes every frame of each video fixture with Opus, closes
// the file and checks the regular MP4 Close made with ffprobe and ffmpeg:
// the decoded pictures and the audio packets equal the sources', the
// moov comes first, and seeking works.
func TestCodecs(t *testing.T) {
	requireTool(t, "ffprobe")
	for _, c := range videoCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			video, audio := c.frames(t), oggFrames(t, "opus-stereo.ogg", 1)
			path := writeFile(t, c.name, []TrackSpec{{Codec: c.codec}, opusSpec}, Options{}, interleave(video, audio), nil)
			checkRegular(t, path)
			checkFile(t, path, c, video, audio)
			checkSeek(t, path, c, video)
		})
	}
}

// checkFile checks what any file of a whole fixture must hold, regular
// or fragmented.
func checkFile(t *testing.T, path string, c videoCase, video, audio []frame) {
	t.Helper()
	p := ffprobe(t, path)
	if len(p.Streams) != 2 || p.Streams[0].CodecName != c.probeName || p.Streams[1].CodecName != "opus" ||
		p.Streams[1].Channels != 2 {
		t.Fatalf("streams %+v, want %s and stereo opus", p.Streams, c.probeName)
	}
	var nv, na int
	for _, pk := range p.Packets {
		if pk.StreamIndex == 0 {
			nv++
		} else {
			na++
		}
	}
	if nv != len(video) || na != len(audio) {
		t.Errorf("%d video and %d audio packets, wrote %d and %d", nv, na, len(video), len(audio))
	}
	if msg := decodeErrors(t, path); msg != "" {
		t.Errorf("ffmpeg decode errors:\n%s", msg)
	}
	src := mediatest.Testdata(c.source)
	if want, got := frameMD5(t, src), frameMD5(t, path); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("decoded pictures differ from the source's: %d frames vs %d", len(got), len(want))
	}
	var want []byte
	for _, f := range audio {
		want = append(want, f.data...)
	}
	if got := audioBytes(t, path); !bytes.Equal(got, want) {
		t.Errorf("audio packets differ from the source's: %d bytes vs %d", len(got), len(want))
	}
	// The file lasts until the later of the two sources ends, within a
	// video frame. Opus ends 312 samples after its last packet's end in
	// Ogg, which trims the end; MP4 plays the last packet whole.
	last := video[len(video)-1].pts
	videoEnd := last + last - video[len(video)-2].pts
	end := max(videoEnd.Seconds(), mediatest.Duration(t, mediatest.Testdata("opus-stereo.ogg")))
	if d := mediatest.Atof(t, p.Format.Duration); math.Abs(d-end) > (last - video[len(video)-2].pts).Seconds() {
		t.Errorf("duration %.4f s, want %.4f within a frame", d, end)
	}
	// Both start at 0: Opus 6.5 ms earlier, its pre-skip.
	checkStart(t, p, 0, 0)
}

// checkStart checks where each stream starts: the first video packet at
// v, the first audio packet at a less the Opus pre-skip, within a
// millisecond.
func checkStart(t *testing.T, p probe, v, a time.Duration) {
	t.Helper()
	want := []float64{v.Seconds(), a.Seconds() - float64(preSkip)/opusRate}
	for i := range want {
		found := false
		for _, pk := range p.Packets {
			if pk.StreamIndex == i && !found {
				found = true
				if got := mediatest.Atof(t, pk.PTSTime); math.Abs(got-want[i]) > 0.001 {
					t.Errorf("stream %d starts at %.6f s, want %.6f", i, got, want[i])
				}
			}
		}
		if !found {
			t.Errorf("stream %d has no packets", i)
		}
	}
}

// checkRegular checks the layout of a file Close finished: no fragments,
// and the moov before every mdat.
func checkRegular(t *testing.T, path string) {
	t.Helper()
	moov, mdat := -1, -1
	for i, b := range topBoxes(t, path) {
		switch b.typ {
		case "moov":
			moov = i
		case "mdat":
			if mdat < 0 {
				mdat = i
			}
		case "moof", "mvex", "mfra":
			t.Errorf("a finished file has a %s box", b.typ)
		}
	}
	if moov < 0 || mdat < 0 || moov > mdat {
		t.Errorf("boxes %v: want the moov before the first mdat", topBoxes(t, path))
	}
}

// checkSeek seeks ffmpeg to the middle and checks it decodes the frame
// there, the same as the source's.
func checkSeek(t *testing.T, path string, c videoCase, video []frame) {
	t.Helper()
	mid := video[len(video)-1].pts / 2
	i := 0
	for video[i].pts < mid {
		i++
	}
	sum, msg := seekFrame(t, path, mid.Seconds())
	if msg != "" {
		t.Errorf("seeking to %v: %s", mid, msg)
	}
	if want := frameMD5(t, mediatest.Testdata(c.source)); i >= len(want) || sum != want[i] {
		t.Errorf("seeking to %v decoded %s, want frame %d of the source", mid, sum, i)
	}
}
