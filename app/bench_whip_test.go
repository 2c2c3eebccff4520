package app

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// postClock is an http.RoundTripper that notes when a POST goes out.
type postClock struct {
	posted chan time.Time
}

func (p postClock) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost {
		select {
		case p.posted <- time.Now():
		default:
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// BenchmarkWHIPFirstFrame measures, for publishers coming one after
// another to one receive --whip-listen endpoint, the time from the WHIP
// POST to the session's first frame on disk.
func BenchmarkWHIPFirstFrame(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := make(chan time.Time, 4)
	w, urls := listening()
	rep := receiveAsync(ctx, ReceiveConfig{WHIP: w, Out: b.TempDir(), onFirstFrame: func() {
		select {
		case first <- time.Now():
		default:
		}
	}})
	url := within(b, urls, "the WHIP endpoint")
	clock := postClock{posted: make(chan time.Time, 1)}
	var lat []time.Duration
	b.ResetTimer()
	for i := range max(b.N, 20) {
		sctx, scancel := context.WithCancel(ctx)
		sent := make(chan error, 1)
		go func() {
			_, err := Send(sctx, SendConfig{WHIP: &WHIPConfig{URL: fmt.Sprintf("%s/s%d", url, i), HTTP: &http.Client{Transport: clock}},
				Files: []string{testdata("vp8.ivf")}, Loop: true})
			sent <- err
		}()
		posted := within(b, clock.posted, "the POST")
		select {
		case t := <-first:
			lat = append(lat, t.Sub(posted))
		case err := <-sent:
			b.Fatalf("send ended before a frame: %v", err)
		case <-time.After(10 * time.Second):
			b.Fatal("no first frame within 10 s")
		}
		scancel()
		if err := within(b, sent, "send to return"); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cancel()
	rep.wait(b)
	b.ReportMetric(float64(percentile(lat, 0.5))/1e6, "p50-ms")
	b.ReportMetric(float64(percentile(lat, 0.95))/1e6, "p95-ms")
	b.ReportMetric(float64(percentile(lat, 1))/1e6, "max-ms")
}

// BenchmarkWHEPViewers runs one send --whep-listen serving N concurrent
// WHEP viewers a 1 Mbit/s file, each its own playback, and reports frames
// lost and CPU per viewer-second, both ends included. VIEWERS=a,b,c
// overrides the counts.
func BenchmarkWHEPViewers(b *testing.B) {
	counts := countsFromEnv("VIEWERS", 100)
	const seconds = 5
	file := synthVP8(b, 1_000_000, seconds)
	for _, n := range counts {
		b.Run(fmt.Sprintf("viewers=%d", n), func(b *testing.B) {
			for range b.N {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				w, urls := listening()
				w.MaxSessions = n
				sent := make(chan error, 1)
				cpu0, wall0 := cpuTime(), time.Now()
				go func() {
					_, err := Send(ctx, SendConfig{WHIP: w, Files: []string{file}, Receivers: n})
					sent <- err
				}()
				url := within(b, urls, "the WHEP endpoint")
				var wg sync.WaitGroup
				reps := make([]*Report, n)
				for r := range n {
					wg.Go(func() {
						rep, err := Receive(ctx, ReceiveConfig{WHIP: &WHIPConfig{URL: url}, Out: b.TempDir()})
						if err != nil {
							b.Error(err)
						}
						reps[r] = rep
					})
				}
				wg.Wait()
				if err := within(b, sent, "send to return"); err != nil {
					b.Fatal(err)
				}
				cpu, wall := cpuTime()-cpu0, time.Since(wall0)
				cancel()
				reportStreams(b, reps, seconds, cpu, wall, "viewer")
			}
		})
	}
}
