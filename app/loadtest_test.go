package app

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/synth"
	"github.com/webrtc-cli/webrtc-cli/peer"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// 3 publishers and 20 subscribers in one room of an in-process serve:
// every subscriber receives both tracks of every publisher, the counts
// match what was sent, and latency is measured.
func TestLoadTestRoom(t *testing.T) {
	url := wsURL(serveHTTP(t, signal.NewServer(signal.ServerConfig{RoomSize: 64, Rate: -1})).URL)
	var table bytes.Buffer
	rep, err := LoadTest(context.Background(), LoadConfig{
		Signal: signal.ClientConfig{URL: url, Room: "load"}, Publishers: 3, Subscribers: 20, Duration: 6 * time.Second,
		Synthetic: &synth.Config{Bitrate: 300_000}, Table: &table, Logger: testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("table:\n%s", table.String())
	var sum bytes.Buffer
	rep.WriteSummary(&sum)
	t.Logf("summary:%s", sum.String())
	if rep.TracksExpected != 3*2*20 || rep.TracksReceived != rep.TracksExpected {
		t.Errorf("tracks received %d, expected %d, want 120 and 120", rep.TracksReceived, rep.TracksExpected)
	}
	if len(rep.Errors) > 0 {
		t.Errorf("errors: %v", rep.Errors)
	}
	perPair := map[string]int{}
	for _, tr := range rep.Tracks {
		perPair[tr.Subscriber+" "+tr.Publisher]++
		if tr.Kind == "video" && (tr.Frames < 60 || tr.LatencyMs.P50 <= 0) {
			t.Errorf("%s from %s: %d frames, latency %+v", tr.Subscriber, tr.Publisher, tr.Frames, tr.LatencyMs)
		}
	}
	if len(perPair) != 60 {
		t.Errorf("%d subscriber-publisher pairs, want 60", len(perPair))
	}
	// On loopback nothing is lost, and a freeze is the load tester's own
	// doing (under -race 23 peers saturate two cores), which it must then
	// say instead of blaming the server.
	if rep.Loss != 0 || rep.Freezes != 0 && rep.Bottleneck == "" {
		t.Errorf("loss %v, freezes %d on loopback, bottleneck %q", rep.Loss, rep.Freezes, rep.Bottleneck)
	}
	if rep.LatencyMs.P50 <= 0 || rep.LatencyMs.P99 < rep.LatencyMs.P50 || rep.FirstFrameMs.P50 <= 0 || rep.CPUSeconds <= 0 {
		t.Errorf("latency %+v, first frame %+v, cpu %v", rep.LatencyMs, rep.FirstFrameMs, rep.CPUSeconds)
	}
	if lines := strings.Count(table.String(), "\n"); lines < 5 {
		t.Errorf("the live table has %d lines in 6 s", lines)
	}
	if f := rep.Failures(LoadLimits{MaxLoss: 0.01, MaxFirstFrame: 5 * time.Second}); len(f) > 0 {
		t.Errorf("failures: %v", f)
	}
	// The documented fields, by their JSON names.
	b, _ := json.Marshal(rep)
	var m map[string]any
	json.Unmarshal(b, &m)
	for _, k := range []string{"publishers", "subscribers", "duration_s", "tracks_expected", "tracks_received", "loss",
		"nacks", "plis", "freezes", "first_frame_ms", "latency_ms", "cpu_seconds", "tracks"} {
		if _, ok := m[k]; !ok {
			t.Errorf("the JSON has no %q", k)
		}
	}
	for _, k := range []string{"p50", "p95", "p99"} {
		if _, ok := m["latency_ms"].(map[string]any)[k]; !ok {
			t.Errorf("latency_ms has no %q", k)
		}
	}
}

// Loss injected on the publishers' side (more than retransmission can
// repair in time) shows in the loss figure and fails --max-loss.
func TestLoadTestLossFailsMaxLoss(t *testing.T) {
	url := wsURL(serveHTTP(t, signal.NewServer(signal.ServerConfig{RoomSize: 64, Rate: -1})).URL)
	rep, err := LoadTest(context.Background(), LoadConfig{
		Signal: signal.ClientConfig{URL: url, Room: "lossy"}, Publishers: 1, Subscribers: 3, Duration: 5 * time.Second,
		Synthetic: &synth.Config{Bitrate: 500_000}, Net: peer.NetOptions{Loss: 0.5, LossSeed: 1}, Logger: testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loss %.4f, nacks %d, plis %d", rep.Loss, rep.NACKs, rep.PLIs)
	if rep.NACKs == 0 {
		t.Error("no NACKs with half the packets dropped")
	}
	f := rep.Failures(LoadLimits{MaxLoss: 0.001})
	if len(f) == 0 || !strings.Contains(strings.Join(f, "; "), "--max-loss") {
		t.Errorf("failures %v, want --max-loss", f)
	}
}

// Against the WHIP and WHEP listeners of receive and send: publishers
// POST to receive --whip-listen, subscribers play from send
// --whep-listen.
func TestLoadTestWHIPWHEP(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wr, whipURL := listening()
	rec := receiveAsync(ctx, ReceiveConfig{WHIP: wr, Out: t.TempDir(), Logger: testLogger(t)})
	ws, whepURL := listening()
	sendDone := make(chan error, 1)
	go func() {
		_, err := Send(ctx, SendConfig{WHIP: ws, Files: []string{testdata("vp8.ivf"), testdata("opus-stereo.ogg")}, Loop: true, Logger: testLogger(t)})
		sendDone <- err
	}()
	rep, err := LoadTest(ctx, LoadConfig{WHIP: within(t, whipURL, "the WHIP endpoint"), WHEP: within(t, whepURL, "the WHEP endpoint"),
		Publishers: 2, Subscribers: 5, Duration: 5 * time.Second, Synthetic: &synth.Config{Bitrate: 300_000}, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	if rep.TracksExpected != 10 || rep.TracksReceived != 10 || len(rep.Errors) > 0 {
		t.Errorf("tracks %d of %d, errors %v", rep.TracksReceived, rep.TracksExpected, rep.Errors)
	}
	for _, tr := range rep.Tracks {
		if tr.Frames < 30 {
			t.Errorf("%s %s: %d frames", tr.Subscriber, tr.Kind, tr.Frames)
		}
	}
	cancel()
	<-sendDone
	<-rec.done
	// What the publishers sent reached receive --whip-listen.
	if rec.rep == nil || rec.rep.Peers() != 2 {
		t.Errorf("receive --whip-listen had %v publishers, want 2", rec.rep)
	}
}
