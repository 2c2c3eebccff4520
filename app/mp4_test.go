package app

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// framemd5 is ffmpeg's decoded-frame checksums of one stream of path
// (sel: v:0 or a:0), without the header lines.
func framemd5(t *testing.T, path, sel string, extra ...string) []string {
	t.Helper()
	requireTool(t, "ffmpeg")
	args := append([]string{"-v", "error"}, extra...)
	args = append(args, "-i", path, "-map", "0:"+sel, "-f", "framemd5", "-")
	var stderr bytes.Buffer
	cmd := exec.Command("ffmpeg", args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, stderr.String())
	}
	var sums []string
	for _, line := range strings.Split(string(out), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ",")
		sums = append(sums, strings.TrimSpace(f[len(f)-1]))
	}
	return sums
}

// probeDuration is the container's duration in seconds.
func probeDuration(t *testing.T, path string) float64 {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	d, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		t.Fatalf("ffprobe %s duration %q", path, out)
	}
	return d
}

// H264, AV1 and VP9 with Opus recorded to MP4: the video decodes to the
// source's frames exactly, the Opus packets are the source's, the moov
// is at the front, the duration is the source's within a frame, and
// seeking to the middle decodes from there.
func TestMP4Recording(t *testing.T) {
	requireTool(t, "ffprobe")
	for _, tc := range []struct{ video, codec string }{
		{"h264.h264", "h264"}, {"av1.ivf", "av1"}, {"vp9.ivf", "vp9"},
	} {
		t.Run(tc.codec, func(t *testing.T) {
			path := recordMP4(t, media.FormatMP4, testdata(tc.video), testdata("opus-stereo.ogg"))
			ffprobeClean(t, path)
			src, got := framemd5(t, testdata(tc.video), "v:0"), framemd5(t, path, "v:0")
			t.Logf("%s: %d frames, %d of them after seeking", path, len(got), len(framemd5(t, path, "v:0", "-ss", "1")))
			if len(src) == 0 || strings.Join(src, " ") != strings.Join(got, " ") {
				t.Errorf("video: %d frames decode, source %d; they differ", len(got), len(src))
			}
			sameOpusPackets(t, testdata("opus-stereo.ogg"), path)
			moovFirst(t, path)
			streams := probeStreams(t, path)
			var vdur float64
			for _, s := range streams {
				if s.CodecType == "video" {
					vdur, _ = strconv.ParseFloat(s.Duration, 64)
				}
			}
			want := float64(len(src)) / sourceFPS(t, testdata(tc.video))
			if math.Abs(vdur-want) > 1.0/sourceFPS(t, testdata(tc.video))+0.001 {
				t.Errorf("video duration %.3f s, source %.3f s", vdur, want)
			}
			mid := framemd5(t, path, "v:0", "-ss", strconv.FormatFloat(want/2, 'f', 3, 64))
			if len(mid) == 0 || len(mid) > len(src)*2/3 {
				t.Errorf("seeking to %.2f s decoded %d frames of %d", want/2, len(mid), len(src))
			}
		})
	}
}

// sameOpusPackets compares the Opus packets of two files byte for byte.
func sameOpusPackets(t *testing.T, want, got string) {
	t.Helper()
	w, g := opusPackets(t, want), opusPackets(t, got)
	if len(w) == 0 || len(w[0]) == 0 {
		t.Fatalf("no Opus packets read from %s", want)
	}
	if len(w) != len(g) {
		t.Fatalf("%d Opus packets, source %d", len(g), len(w))
	}
	for i := range w {
		if !bytes.Equal(w[i], g[i]) {
			t.Fatalf("Opus packet %d differs", i)
		}
	}
}

// opusPackets is the audio packets of path: their bytes as ffmpeg copies
// them out, cut at the sizes ffprobe gives.
func opusPackets(t *testing.T, path string) [][]byte {
	t.Helper()
	sizes, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries", "packet=size", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	data, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-map", "0:a:0", "-c", "copy", "-f", "data", "-").Output()
	if err != nil {
		t.Fatalf("ffmpeg %s: %v", path, err)
	}
	var pkts [][]byte
	for _, f := range strings.Fields(string(sizes)) {
		n, err := strconv.Atoi(strings.Trim(f, ","))
		if err != nil {
			t.Fatalf("%s: packet size %q", path, f)
		}
		if n > len(data) {
			t.Fatalf("%s: packet sizes add up to more than the data", path)
		}
		pkts, data = append(pkts, data[:n]), data[n:]
	}
	return pkts
}

// moovFirst checks the top-level boxes: moov before mdat.
func moovFirst(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for off := 0; off+8 <= len(b); {
		size := int(uint32(b[off])<<24 | uint32(b[off+1])<<16 | uint32(b[off+2])<<8 | uint32(b[off+3]))
		typ := string(b[off+4 : off+8])
		order = append(order, typ)
		if size < 8 {
			break
		}
		off += size
	}
	moov, mdat := -1, -1
	for i, typ := range order {
		if typ == "moov" && moov < 0 {
			moov = i
		}
		if typ == "mdat" && mdat < 0 {
			mdat = i
		}
	}
	if moov < 0 || mdat < 0 || moov > mdat || strings.Contains(strings.Join(order, " "), "moof") {
		t.Errorf("top-level boxes %v: want the moov before the mdat and no fragments", order)
	}
}

func sourceFPS(t *testing.T, path string) float64 {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=avg_frame_rate", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	n, d, _ := strings.Cut(strings.TrimSpace(string(out)), "/")
	num, _ := strconv.ParseFloat(n, 64)
	den, _ := strconv.ParseFloat(d, 64)
	if num == 0 || den == 0 {
		return 30
	}
	return num / den
}

// recordMP4 sends video and audio to a receive --format format and returns
// the recording.
func recordMP4(t *testing.T, format media.Format, files ...string) string {
	t.Helper()
	url := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep := receiveAsync(ctx, ReceiveConfig{Signal: signal.ClientConfig{URL: url, Room: "mp4"}, Out: t.TempDir(), Count: 1, Format: format, Logger: testLogger(t)})
	if _, err := Send(ctx, SendConfig{Signal: signal.ClientConfig{URL: url, Room: "mp4", Name: "snd"}, Files: files, Receivers: 1, Logger: testLogger(t)}); err != nil {
		t.Fatal(err)
	}
	r := rep.wait(t)
	for _, tr := range r.Tracks {
		if tr.Error != "" || tr.FramesNotMuxed > 0 {
			t.Fatalf("track %s: %s, %d frames not muxed", tr.Kind, tr.Error, tr.FramesNotMuxed)
		}
	}
	return r.Tracks[0].File
}

// VP8 has no place in MP4: the recording says so, and names the formats
// that take it.
func TestMP4RefusesVP8(t *testing.T) {
	url := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep := receiveAsync(ctx, ReceiveConfig{Signal: signal.ClientConfig{URL: url, Room: "vp8"}, Out: t.TempDir(), Count: 1, Format: media.FormatMP4, Logger: testLogger(t)})
	Send(ctx, SendConfig{Signal: signal.ClientConfig{URL: url, Room: "vp8", Name: "snd"}, Files: []string{testdata("vp8.ivf")}, Receivers: 1, Drain: time.Second, Logger: testLogger(t)})
	cancel()
	<-rep.done
	if rep.rep == nil || len(rep.rep.Tracks) == 0 {
		t.Fatalf("no report: %v", rep.err)
	}
	if e := rep.rep.Tracks[0].Error; !strings.Contains(e, "VP8 in MP4") || !strings.Contains(e, "--format webm or mkv") {
		t.Errorf("track error %q", e)
	}
	if errors.Is(rep.err, context.DeadlineExceeded) {
		t.Error("receive hung")
	}
}

// receive --out - --format mp4: a fragmented MP4 stream on standard
// output, exact frame for frame.
func TestMP4ToStdout(t *testing.T) {
	requireTool(t, "ffprobe")
	url := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	rep := receiveAsync(ctx, ReceiveConfig{Signal: signal.ClientConfig{URL: url, Room: "mp4-out"}, Stdout: &out, Format: media.FormatMP4, Count: 1, Logger: testLogger(t)})
	if _, err := Send(ctx, SendConfig{Signal: signal.ClientConfig{URL: url, Room: "mp4-out", Name: "snd"}, Files: []string{testdata("h264.h264"), testdata("opus-stereo.ogg")}, Receivers: 1, Logger: testLogger(t)}); err != nil {
		t.Fatal(err)
	}
	rep.wait(t)
	path := filepath.Join(t.TempDir(), "stdout.mp4")
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out.Bytes()[:min(out.Len(), 4096)], []byte("mvex")) || !bytes.Contains(out.Bytes(), []byte("moof")) {
		t.Error("standard output is not a fragmented MP4")
	}
	src, got := framemd5(t, testdata("h264.h264"), "v:0"), framemd5(t, path, "v:0")
	if len(src) == 0 || strings.Join(src, " ") != strings.Join(got, " ") {
		t.Errorf("video: %d frames, source %d; they differ", len(got), len(src))
	}
	sameOpusPackets(t, testdata("opus-stereo.ogg"), path)
}
