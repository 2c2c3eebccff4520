package app

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"

	"github.com/webrtc-cli/webrtc-cli/media"
	"github.com/webrtc-cli/webrtc-cli/media/ivf"
	"github.com/webrtc-cli/webrtc-cli/peer"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

func testdata(name string) string { return filepath.Join("..", "testdata", name) }

func testLogger(t *testing.T) *slog.Logger {
	if os.Getenv("TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// startServer runs a signaling server for the test.
func startServer(t *testing.T) string {
	t.Helper()
	return wsURL(serveHTTP(t, signal.NewServer(signal.ServerConfig{})).URL)
}

type session struct {
	url, room string
	format    media.Format // receive's --format
	loss      float64
	maxDelay  time.Duration // receiver's wait for a missing packet
	receivers int           // default 1
}

// transfer runs the receivers (each until it has a recording from every
// sender) and the senders (each until every receiver has its file) to
// completion and returns the receivers' reports.
func transfer(t *testing.T, s session, senders ...[]string) []*Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if s.receivers == 0 {
		s.receivers = 1
	}
	type result struct {
		rep *Report
		err error
	}
	recvDone := make(chan result, s.receivers)
	for i := range s.receivers {
		go func() {
			rep, err := Receive(ctx, ReceiveConfig{
				Signal: signal.ClientConfig{URL: s.url, Room: s.room, Name: "rec" + string(rune('A'+i))},
				Out:    t.TempDir(), Count: len(senders), Logger: testLogger(t), MaxDelay: s.maxDelay, Format: s.format,
			})
			recvDone <- result{rep, err}
		}()
	}
	sendDone := make(chan error, len(senders))
	for i, files := range senders {
		go func() {
			_, err := Send(ctx, SendConfig{
				Signal: signal.ClientConfig{URL: s.url, Room: s.room, Name: "snd" + string(rune('A'+i))},
				Net:    peer.NetOptions{Loss: s.loss, LossSeed: int64(i + 1)},
				Files:  files, Receivers: s.receivers, Logger: testLogger(t),
			})
			sendDone <- err
		}()
	}
	for range senders {
		if err := within(t, sendDone, "send to return"); err != nil {
			t.Fatalf("send: %v", err)
		}
	}
	var reps []*Report
	for range s.receivers {
		r := within(t, recvDone, "receive to return")
		if r.err != nil {
			t.Fatalf("receive: %v", r.err)
		}
		reps = append(reps, r.rep)
	}
	if ctx.Err() != nil {
		t.Fatal("transfer hit its deadline")
	}
	return reps
}

// samplesOf reads every sample of a media file.
func samplesOf(t *testing.T, path string) (media.Track, []media.Sample) {
	t.Helper()
	src, err := media.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var out []media.Sample
	for {
		s, err := src.Next()
		if errors.Is(err, io.EOF) {
			return src.Track(), out
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, s)
	}
}

// compareIVF checks every frame is byte-identical with the same relative
// PTS (within 1 ms); with lossy, frames may be missing but none differs.
func compareIVF(t *testing.T, src, got string, lossy bool) int {
	t.Helper()
	c, err := media.Compare(src, got)
	if err != nil {
		t.Fatal(err)
	}
	if c.RecordedTrack.Codec != c.SourceTrack.Codec {
		t.Fatalf("codec %v, want %v", c.RecordedTrack.Codec, c.SourceTrack.Codec)
	}
	if !lossy && c.Recorded != c.Source {
		t.Fatalf("%s: %d frames, source has %d", got, c.Recorded, c.Source)
	}
	if c.Recorded == 0 {
		t.Fatalf("%s: no frames", got)
	}
	if c.Start < 0 || !lossy && c.Start != 0 {
		t.Fatalf("%s starts with no frame of the source's (source frame %d)", got, c.Start)
	}
	if !c.Faithful() || !lossy && !c.Exact() {
		t.Fatalf("%s: %v", got, c)
	}
	// The header's size is the stream's: players size their window by it.
	f, err := os.Open(got)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := ivf.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if h, tr := r.Header(), c.SourceTrack; !lossy && tr.Width > 0 && (int(h.Width) != tr.Width || int(h.Height) != tr.Height) {
		t.Fatalf("header %dx%d, stream %dx%d", h.Width, h.Height, tr.Width, tr.Height)
	}
	return c.Recorded
}

// compareOgg checks every packet is identical, at exactly its source's
// place on the sample timeline, with the source's channel count.
func compareOgg(t *testing.T, src, got string) {
	t.Helper()
	c, err := media.Compare(src, got)
	if err != nil {
		t.Fatal(err)
	}
	if c.RecordedTrack.Channels != c.SourceTrack.Channels {
		t.Fatalf("%d channels, source has %d", c.RecordedTrack.Channels, c.SourceTrack.Channels)
	}
	if c.Recorded != c.Source {
		t.Fatalf("%d packets, source has %d", c.Recorded, c.Source)
	}
	if !c.Exact() {
		t.Fatalf("%s: %v", got, c)
	}
}

func findFile(t *testing.T, rep *Report, peerName, kind string) string {
	t.Helper()
	for _, tr := range rep.Tracks {
		if tr.PeerName == peerName && tr.Kind == kind {
			if tr.Error != "" {
				t.Fatalf("%s %s: %s", peerName, kind, tr.Error)
			}
			return tr.File
		}
	}
	t.Fatalf("no %s track from %s in %+v", kind, peerName, rep.Tracks)
	return ""
}

func TestSendReceiveVP8Opus(t *testing.T) {
	url := startServer(t)
	rep := transfer(t, session{url: url, room: "e2e"}, []string{testdata("vp8.ivf"), testdata("opus-stereo.ogg")})[0]
	compareIVF(t, testdata("vp8.ivf"), findFile(t, rep, "sndA", "video"), false)
	compareOgg(t, testdata("opus-stereo.ogg"), findFile(t, rep, "sndA", "audio"))
}

func splitComma(s string) []string {
	f := strings.Split(s, ",")
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	return f
}

func TestSendReceiveVP9(t *testing.T) {
	url := startServer(t)
	rep := transfer(t, session{url: url, room: "vp9"}, []string{testdata("vp9.ivf"), testdata("opus-mono.ogg")})[0]
	got := findFile(t, rep, "sndA", "video")
	compareIVF(t, testdata("vp9.ivf"), got, false)
	compareOgg(t, testdata("opus-mono.ogg"), findFile(t, rep, "sndA", "audio"))
	ffprobeClean(t, got)
	checkDuration(t, testdata("vp9.ivf"), got, 1.0/30)
}

func TestSendReceiveAV1(t *testing.T) {
	url := startServer(t)
	rep := transfer(t, session{url: url, room: "av1"}, []string{testdata("av1.ivf")})[0]
	got := findFile(t, rep, "sndA", "video")
	want := mediatest.FrameMD5(t, testdata("av1.ivf"))
	have := mediatest.FrameMD5(t, got)
	if len(want) == 0 || !slices.Equal(want, have) {
		t.Fatalf("decoded AV1 frames differ: %d source frames, %d received", len(want), len(have))
	}
	ffprobeClean(t, got)
	checkDuration(t, testdata("av1.ivf"), got, 1.0/30)
}

func TestSendReceiveVFR(t *testing.T) {
	url := startServer(t)
	rep := transfer(t, session{url: url, room: "vfr"}, []string{testdata("vfr.ivf"), testdata("opus-60ms.ogg")})[0]
	compareIVF(t, testdata("vfr.ivf"), findFile(t, rep, "sndA", "video"), false)
	compareOgg(t, testdata("opus-60ms.ogg"), findFile(t, rep, "sndA", "audio"))
}

func checkDuration(t *testing.T, src, got string, frame float64) {
	t.Helper()
	ds, dg := mediatest.Duration(t, src), mediatest.Duration(t, got)
	if math.Abs(ds-dg) > frame+1e-6 {
		t.Fatalf("duration %.4f s, source %.4f s (more than one frame apart)", dg, ds)
	}
}

func TestLoss5PercentStillExact(t *testing.T) {
	url := startServer(t)
	rep := transfer(t, session{url: url, room: "loss5", loss: 0.05}, []string{testdata("vp8.ivf"), testdata("opus-stereo.ogg")})[0]
	got := findFile(t, rep, "sndA", "video")
	compareIVF(t, testdata("vp8.ivf"), got, false)
	compareOgg(t, testdata("opus-stereo.ogg"), findFile(t, rep, "sndA", "audio"))
	ffprobeClean(t, got)
}

// The same into MP4: H264 and Opus under 5 % loss decode to the source's
// frames, and the Opus packets are the source's.
func TestLoss5PercentStillExactMP4(t *testing.T) {
	url := startServer(t)
	rep := transfer(t, session{url: url, room: "loss5-mp4", loss: 0.05, format: media.FormatMP4}, []string{testdata("h264.h264"), testdata("opus-stereo.ogg")})[0]
	got := findFile(t, rep, "sndA", "video")
	ffprobeClean(t, got)
	if src, have := framemd5(t, testdata("h264.h264"), "v:0"), framemd5(t, got, "v:0"); len(src) == 0 || strings.Join(src, " ") != strings.Join(have, " ") {
		t.Errorf("video: %d frames decode, source %d; they differ", len(have), len(src))
	}
	sameOpusPackets(t, testdata("opus-stereo.ogg"), got)
}

func TestLoss25PercentNeverCorrupt(t *testing.T) {
	url := startServer(t)
	rep := transfer(t, session{url: url, room: "loss25", loss: 0.25}, []string{testdata("vp8.ivf")})[0]
	got := findFile(t, rep, "sndA", "video")
	n := compareIVF(t, testdata("vp8.ivf"), got, true)
	t.Logf("25%% loss: %d of 72 frames written", n)
	ffprobeClean(t, got)
}

// With the jitter buffer too short for retransmissions, losses are for
// good: frames go missing, the recording resumes at keyframes, and no
// written frame is corrupt.
func TestUnrecoveredLossResumesAtKeyframes(t *testing.T) {
	url := startServer(t)
	rep := transfer(t, session{url: url, room: "lossy", loss: 0.05, maxDelay: 5 * time.Millisecond}, []string{testdata("vp8.ivf")})[0]
	got := findFile(t, rep, "sndA", "video")
	n := compareIVF(t, testdata("vp8.ivf"), got, true)
	tr := rep.Tracks[0]
	t.Logf("%d of 72 frames written, %d dropped, %d packets lost, %d PLIs", n, tr.FramesDropped, tr.PacketsLost, tr.PLIsSent)
	if n >= 72 || tr.PacketsLost == 0 {
		t.Fatalf("expected unrecovered loss, wrote %d frames, lost %d packets", n, tr.PacketsLost)
	}
	ffprobeClean(t, got)
}

func TestTwoSendersTwoReceivers(t *testing.T) {
	url := startServer(t)
	reps := transfer(t, session{url: url, room: "many", receivers: 2},
		[]string{testdata("vp8.ivf"), testdata("opus-mono.ogg")},
		[]string{testdata("vp9.ivf"), testdata("opus-stereo.ogg")})
	for _, rep := range reps {
		compareIVF(t, testdata("vp8.ivf"), findFile(t, rep, "sndA", "video"), false)
		compareOgg(t, testdata("opus-mono.ogg"), findFile(t, rep, "sndA", "audio"))
		compareIVF(t, testdata("vp9.ivf"), findFile(t, rep, "sndB", "video"), false)
		compareOgg(t, testdata("opus-stereo.ogg"), findFile(t, rep, "sndB", "audio"))
	}
}

func TestBadInputFiles(t *testing.T) {
	for _, name := range []string{"truncated.ivf", "corrupt.ogg", "gen.sh", "missing.ivf"} {
		_, err := Send(context.Background(), SendConfig{Files: []string{testdata(name)}, Signal: signal.ClientConfig{URL: "ws://127.0.0.1:1/ws", Room: "x"}})
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %v does not name the file", name, err)
		}
	}
	_, err := Send(context.Background(), SendConfig{Files: []string{testdata("vp8.ivf"), testdata("vp9.ivf")}, Signal: signal.ClientConfig{URL: "ws://127.0.0.1:1/ws", Room: "x"}})
	if err == nil || !strings.Contains(err.Error(), "one video") {
		t.Errorf("two video files: %v", err)
	}
}

func TestReceiveUnwritableDir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	_, err := Receive(context.Background(), ReceiveConfig{Out: filepath.Join(file, "sub"), Signal: signal.ClientConfig{URL: "ws://127.0.0.1:1/ws", Room: "x"}})
	if err == nil || !strings.Contains(err.Error(), "output directory") {
		t.Fatalf("error %v", err)
	}
}

// H264 from a file: every access unit arrives identical, and the SDP
// offers the file's own profile.
func TestSendReceiveH264(t *testing.T) {
	url := startServer(t)
	rep := transfer(t, session{url: url, room: "h264"}, []string{testdata("h264.h264"), testdata("opus-mono.ogg")})[0]
	got := findFile(t, rep, "sndA", "video")
	if !strings.HasSuffix(got, ".h264") {
		t.Fatalf("recorded to %s", got)
	}
	_, want := samplesOf(t, testdata("h264.h264"))
	_, have := samplesOf(t, got)
	if len(want) != len(have) {
		t.Fatalf("%d access units, source has %d", len(have), len(want))
	}
	for i := range want {
		if !bytes.Equal(want[i].Data, have[i].Data) {
			t.Fatalf("access unit %d differs", i)
		}
	}
	ffprobeClean(t, got)
	compareOgg(t, testdata("opus-mono.ogg"), findFile(t, rep, "sndA", "audio"))
}

func TestH264WithBFramesRefused(t *testing.T) {
	_, err := Send(context.Background(), SendConfig{Files: []string{testdata("h264-bframes.h264")}, Signal: signal.ClientConfig{URL: "ws://127.0.0.1:1/ws", Room: "x"}})
	if err == nil || !strings.Contains(err.Error(), "-bf 0") || !strings.Contains(err.Error(), "h264-bframes.h264") {
		t.Fatalf("B-frames: %v", err)
	}
}
