package app

import (
	"context"
	"encoding/json"
	"math"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

type probeStream struct {
	CodecName string `json:"codec_name"`
	CodecType string `json:"codec_type"`
	StartTime string `json:"start_time"`
	Duration  string `json:"duration"`
	Frames    string `json:"nb_read_packets"`
}

func probeStreams(t *testing.T, path string) []probeStream {
	t.Helper()
	requireTool(t, "ffprobe")
	out, err := exec.Command("ffprobe", "-v", "error", "-count_packets", "-show_streams", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var res struct{ Streams []probeStream }
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	return res.Streams
}

// streamTimes gives start and end of a stream from its packets, since
// Matroska stores no per-stream duration.
func streamTimes(t *testing.T, path string, sel string) (start, end float64) {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", sel, "-show_entries", "packet=pts_time,duration_time", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe packets %s: %v", path, err)
	}
	var res struct {
		Packets []struct {
			PTS string `json:"pts_time"`
			Dur string `json:"duration_time"`
		}
	}
	json.Unmarshal(out, &res)
	if len(res.Packets) == 0 {
		t.Fatalf("no %s packets in %s", sel, path)
	}
	start = math.Inf(1)
	for _, p := range res.Packets {
		pts, _ := strconv.ParseFloat(p.PTS, 64)
		d, _ := strconv.ParseFloat(p.Dur, 64)
		start, end = math.Min(start, pts), math.Max(end, pts+d)
	}
	return start, end
}

func TestMuxedRecording(t *testing.T) {
	requireTool(t, "ffprobe")
	for _, tc := range []struct {
		format, video, vcodec string
	}{
		{"webm", "vp8.ivf", "vp8"},
		{"mkv", "vp9.ivf", "vp9"},
		{"mkv", "h264.h264", "h264"},
		{"mp4", "h264.h264", "h264"},
		{"mp4", "av1.ivf", "av1"},
		{"fmp4", "vp9.ivf", "vp9"},
	} {
		t.Run(tc.format+"-"+tc.vcodec, func(t *testing.T) {
			url := startServer(t)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			rep := receiveAsync(ctx, ReceiveConfig{Signal: signal.ClientConfig{URL: url, Room: "mux"}, Out: t.TempDir(), Count: 1, Format: media.Format(tc.format)})
			if _, err := Send(ctx, SendConfig{Signal: signal.ClientConfig{URL: url, Room: "mux", Name: "snd"}, Files: []string{testdata(tc.video), testdata("opus-stereo.ogg")}, Receivers: 1}); err != nil {
				t.Fatal(err)
			}
			r := rep.wait(t)
			path := findFile(t, r, "snd", "video")
			if a := findFile(t, r, "snd", "audio"); a != path {
				t.Fatalf("audio in %s, video in %s: want one file", a, path)
			}
			ffprobeClean(t, path)
			streams := probeStreams(t, path)
			if len(streams) != 2 || streams[0].CodecName != tc.vcodec || streams[1].CodecName != "opus" {
				t.Fatalf("streams %+v", streams)
			}
			// Every frame of both files, the first Opus packet included:
			// it comes 6.5 ms before the video and used to be lost.
			_, vsrc := samplesOf(t, testdata(tc.video))
			_, asrc := samplesOf(t, testdata("opus-stereo.ogg"))
			if streams[0].Frames != strconv.Itoa(len(vsrc)) || streams[1].Frames != strconv.Itoa(len(asrc)) {
				t.Fatalf("%s video and %s audio packets, want %d and %d", streams[0].Frames, streams[1].Frames, len(vsrc), len(asrc))
			}
			vs, ve := streamTimes(t, path, "v")
			as, ae := streamTimes(t, path, "a")
			// The sender starts both tracks together: so must the file.
			if math.Abs(vs-as) > 0.020 {
				t.Fatalf("audio starts at %.3f s, video at %.3f s", as, vs)
			}
			if math.Abs((ve-vs)-(ae-as)) > 0.050 {
				t.Fatalf("video lasts %.3f s, audio %.3f s", ve-vs, ae-as)
			}
			if d := ve - vs; d < 2.9 || d > 3.1 {
				t.Fatalf("video lasts %.3f s of a 3 s file", d)
			}
		})
	}
}
