package mkv

import (
	"bytes"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/at-wat/ebml-go"

	"github.com/webrtc-cli/webrtc-cli/media/h264"
	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// videoCase is a video input for the end-to-end tests.
type videoCase struct {
	name      string // output file name
	codec     string // TrackSpec.Codec
	webm      bool
	probeName string // ffprobe's codec_name
	source    func(t *testing.T) (path string, frames []frame)
	// exact: blocks must equal the input frames byte for byte. Otherwise
	// (AV1 loses its temporal delimiters, H264 its start codes) the
	// decoded pictures must equal the source's.
	exact bool
}

func ivfSource(name string) func(t *testing.T) (string, []frame) {
	return func(t *testing.T) (string, []frame) {
		return mediatest.Testdata(name), ivfFrames(t, name)
	}
}

var videoCases = []videoCase{
	{"vp8.webm", "VP8", true, "vp8", ivfSource("vp8.ivf"), true},
	{"vp9.webm", "VP9", true, "vp9", ivfSource("vp9.ivf"), true},
	{"av1.webm", "AV1", true, "av1", ivfSource("av1.ivf"), false},
	{"h264.mkv", "H264", false, "h264", h264Clip, false},
	{"vp8.mkv", "VP8", false, "vp8", ivfSource("vp8.ivf"), true},
}

// TestWriteCodecs writes each video codec with Opus and checks the file
// with ffprobe, ffmpeg and ebml-go.
func TestWriteCodecs(t *testing.T) {
	requireTool(t, "ffprobe")
	for _, c := range videoCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			src, video := c.source(t)
			audio := oggFrames(t, "opus-stereo.ogg", 1)
			specs := []TrackSpec{{CodecID: idOf(c.codec)}, {CodecID: idOf("opus"), Channels: 2}}
			path := writeFile(t, c.name, c.webm, specs, interleave(video, audio))

			p, stderr := ffprobe(t, path)
			if stderr != "" {
				t.Errorf("ffprobe reported errors:\n%s", stderr)
			}
			checkStreams(t, p, c, src)
			if msg := decodeErrors(t, path); msg != "" {
				t.Errorf("ffmpeg decode errors:\n%s", msg)
			}
			var nv, na int
			var endV, endA, startV, startA int64 = 0, 0, math.MaxInt64, math.MaxInt64
			for _, pk := range p.Packets {
				end := pk.PTS + pk.Duration
				if pk.StreamIndex == 0 {
					nv, endV, startV = nv+1, max(endV, end), min(startV, pk.PTS)
				} else {
					na, endA, startA = na+1, max(endA, end), min(startA, pk.PTS)
				}
			}
			if c.exact {
				// An independent reading of the block sizes.
				i := 0
				for _, pk := range p.Packets {
					if pk.StreamIndex == 0 && i < len(video) {
						if pk.Size != fmt.Sprint(len(video[i].data)) {
							t.Errorf("ffprobe: video packet %d has %s bytes, wrote %d", i, pk.Size, len(video[i].data))
						}
						i++
					}
				}
			}
			if nv != len(video) || na != len(audio) {
				t.Errorf("ffprobe found %d video and %d audio packets, wrote %d and %d", nv, na, len(video), len(audio))
			}
			// Both inputs last 3 s (the Opus one 3.02 s of packets).
			dv, da := endV-startV, endA-startA
			if diff := dv - da; diff < -50 || diff > 50 {
				t.Errorf("stream durations %d ms (video) and %d ms (audio) differ by more than 50 ms", dv, da)
			}
			if d := mediatest.Atof(t, p.Format.Duration); math.Abs(d-3.02) > 0.001 {
				t.Errorf("format duration %.3f s, want 3.020 (end of the last Opus packet)", d)
			}

			r := readBack(t, path)
			checkLayout(t, r, c.webm)
			checkBlocks(t, r.trackBlocks(1), video, c.codec)
			checkBlocks(t, r.trackBlocks(2), audio, "opus")
			checkCues(t, r, video)
			if !c.exact {
				want, got := mediatest.FrameMD5(t, src), mediatest.FrameMD5(t, path)
				if len(got) != len(video) || fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("decoded pictures differ from the source's: %d vs %d frames", len(got), len(want))
				}
			}
		})
	}
}

func checkStreams(t *testing.T, p probe, c videoCase, src string) {
	t.Helper()
	width, height := sourceSize(t, src)
	if p.Format.FormatName != "matroska,webm" || len(p.Streams) != 2 {
		t.Fatalf("format %q with %d streams, want matroska,webm with 2", p.Format.FormatName, len(p.Streams))
	}
	v, a := p.Streams[0], p.Streams[1]
	if v.CodecName != c.probeName || v.Width != width || v.Height != height {
		t.Errorf("video stream %s %dx%d, want %s %dx%d", v.CodecName, v.Width, v.Height, c.probeName, width, height)
	}
	if a.CodecName != "opus" || a.Channels != 2 {
		t.Errorf("audio stream %s with %d channels, want opus with 2", a.CodecName, a.Channels)
	}
}

// checkLayout checks what Close fills in.
func checkLayout(t *testing.T, r *parsed, webm bool) {
	t.Helper()
	want := "matroska"
	if webm {
		want = "webm"
	}
	if r.Header.DocType != want {
		t.Errorf("DocType %q, want %q", r.Header.DocType, want)
	}
	for name, sizes := range r.sizes {
		for _, s := range sizes {
			if s == ebml.SizeUnknown {
				t.Errorf("a %s still has an unknown size after Close", name)
			}
		}
	}
	if d := r.Segment.Info.Duration; d != 3020 {
		t.Errorf("Duration %v ms, want 3020", d)
	}
	if n := len(r.Segment.SeekHead.Seek); n != 3 {
		t.Errorf("SeekHead has %d entries, want Info, Tracks and Cues", n)
	}
	var last uint64
	for i, c := range r.Segment.Cluster {
		if c.Timecode < last {
			t.Errorf("cluster %d at %d ms after one at %d ms", i, c.Timecode, last)
		}
		last = c.Timecode
	}
}

// checkBlocks compares a track's blocks with the frames written: the
// same count, times rounded to the millisecond, keyframe flags and bytes,
// those of H264 and AV1 converted as WriteFrame documents.
func checkBlocks(t *testing.T, got []block, want []frame, codec string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d blocks, wrote %d frames", codec, len(got), len(want))
	}
	origin := want[0].pts
	for i, f := range want {
		ms := (f.pts - origin + time.Millisecond/2) / time.Millisecond
		if got[i].ms != int64(ms) {
			t.Errorf("%s frame %d at %d ms, want %d", codec, i, got[i].ms, ms)
		}
		if got[i].key != f.key {
			t.Errorf("%s frame %d keyframe flag %v, want %v", codec, i, got[i].key, f.key)
		}
		data := f.data
		switch codec {
		case "H264":
			nals, _ := h264.AppendNALUnits(nil, f.data)
			data = appendAVC(nil, nals)
		case "AV1":
			data, _, _, _ = av1Block(f.data)
		}
		if !bytes.Equal(got[i].data, data) {
			t.Errorf("%s frame %d: %d bytes differ from the %d written", codec, i, len(got[i].data), len(data))
		}
	}
}

// checkCues checks there is one cue per video keyframe, pointing at a
// cluster that starts with it.
func checkCues(t *testing.T, r *parsed, video []frame) {
	t.Helper()
	var keys int
	for _, f := range video {
		if f.key {
			keys++
		}
	}
	cues := r.Segment.Cues.CuePoint
	if len(cues) != keys {
		t.Errorf("%d cues for %d keyframes", len(cues), keys)
	}
	for _, cp := range cues {
		pos := cp.CueTrackPositions[0].CueClusterPosition
		i := indexOf(r.clusterPos, pos)
		if i < 0 {
			t.Errorf("cue at %d ms points at %d, where no cluster starts", cp.CueTime, pos)
			continue
		}
		c := r.Segment.Cluster[i]
		b := c.SimpleBlock[0]
		if b.TrackNumber != 1 || !b.Keyframe || int64(c.Timecode)+int64(b.Timecode) != int64(cp.CueTime) {
			t.Errorf("cue at %d ms: cluster %d starts with track %d key=%v at %d ms", cp.CueTime, i, b.TrackNumber, b.Keyframe, int64(c.Timecode)+int64(b.Timecode))
		}
	}
}

func indexOf(list []uint64, v uint64) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}
