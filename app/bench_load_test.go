package app

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"sync"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/synth"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// BenchmarkLoadTest runs the load tester with one publisher of synthetic
// 1 Mbit/s video (and silent Opus) and S subscribers (50 joining a
// second) in one room of an in-process serve. Once every subscriber receives, it measures for 5 s:
// the tester's CPU per subscriber stream-second (both ends are in this
// process), loss after retransmission, freezes, and the publisher's
// pacing p99. LOAD_SUBSCRIBERS=a,b,c overrides the counts.
func BenchmarkLoadTest(b *testing.B) {
	for _, s := range countsFromEnv("LOAD_SUBSCRIBERS", 10, 100) {
		b.Run(fmt.Sprintf("subscribers=%d", s), func(b *testing.B) {
			url := serveForBench(b, signal.NewServer(signal.ServerConfig{RoomSize: s + 1, Rate: -1, MaxConnsPerIP: -1}))
			for i := range b.N {
				benchLoad(b, url, fmt.Sprint("load", i), s)
			}
		})
	}
}

// startProfile profiles the measured window into $LOAD_PROFILE, when set
// (go test's -cpuprofile would take the setup in too).
func startProfile(b *testing.B) {
	path := os.Getenv("LOAD_PROFILE")
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
}

func benchLoad(b *testing.B, url, room string, subs int) {
	const window = 5 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var cpu0 time.Duration
	var t0 time.Time
	var cpuPerStream float64
	// Past the ramp and 15 s more, it measures what receives by then.
	settle := time.Now().Add(time.Duration(subs/50)*time.Second + 15*time.Second)
	rep, err := LoadTest(ctx, LoadConfig{
		Signal: signal.ClientConfig{URL: url, Room: room}, Publishers: 1, Subscribers: subs, Duration: 2 * time.Minute,
		Synthetic: &synth.Config{Bitrate: 1_000_000}, Ramp: 50, // a join storm of hundreds is not what is measured
		onSecond: func(receiving, expected int) {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case t0.IsZero() && (receiving >= expected || time.Now().After(settle)):
				cpu0, t0 = cpuTime(), time.Now()
				startProfile(b)
			case !t0.IsZero() && time.Since(t0) >= window:
				cpuPerStream = (cpuTime() - cpu0).Seconds() / time.Since(t0).Seconds() / float64(subs)
				pprof.StopCPUProfile()
				cancel()
			}
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	if cpuPerStream == 0 {
		b.Fatalf("no measurement: %d of %d tracks received", rep.TracksReceived, rep.TracksExpected)
	}
	b.ReportMetric(float64(rep.TracksReceived)/float64(rep.TracksExpected), "tracks-received")
	b.ReportMetric(cpuPerStream, "cpu-s/sub-stream-s")
	b.ReportMetric(rep.Loss, "loss")
	b.ReportMetric(float64(rep.Freezes), "freezes")
	b.ReportMetric(rep.PacingP99Ms, "pacing-p99-ms")
	b.ReportMetric(rep.FirstFrameMs.P95, "first-frame-p95-ms")
	b.ReportMetric(rep.LatencyMs.P99, "latency-p99-ms")
}
