package app

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/signal"
)

func percentile(d []time.Duration, q float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[int(q*float64(len(s)-1))]
}

// BenchmarkTimeToFirstFrame measures, for receivers joining a room where a
// sender waits, the time from the receiver's join to its first frame on
// disk.
func BenchmarkTimeToFirstFrame(b *testing.B) {
	// No rate limit: the one sender signals to every receiver that comes,
	// dozens a second, which the default 50/s (burst 200) would cut off
	// after about thirty receivers.
	url := serveForBench(b, signal.NewServer(signal.ServerConfig{Rate: -1}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sent := make(chan error, 1)
	go func() {
		_, err := Send(ctx, SendConfig{Signal: signal.ClientConfig{URL: url, Room: "ttff", Name: "s"},
			Files: []string{testdata("vp8.ivf"), testdata("opus-stereo.ogg")}, Loop: true})
		sent <- err
	}()
	var lat []time.Duration
	b.ResetTimer()
	for range max(b.N, 20) {
		rctx, rcancel := context.WithCancel(ctx)
		first := make(chan time.Time, 1)
		start := time.Now()
		done := make(chan error, 1)
		go func() {
			_, err := Receive(rctx, ReceiveConfig{Signal: signal.ClientConfig{URL: url, Room: "ttff"}, Out: b.TempDir(),
				onFirstFrame: func() {
					select {
					case first <- time.Now():
					default:
					}
				}})
			done <- err
		}()
		select {
		case t := <-first:
			lat = append(lat, t.Sub(start))
		case err := <-done:
			b.Fatalf("receiver ended before a frame: %v", err)
		case <-time.After(10 * time.Second):
			b.Fatal("no first frame within 10 s")
		}
		rcancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cancel()
	within(b, sent, "send to return")
	b.ReportMetric(float64(percentile(lat, 0.5))/1e6, "p50-ms")
	b.ReportMetric(float64(percentile(lat, 0.95))/1e6, "p95-ms")
	b.ReportMetric(float64(percentile(lat, 1))/1e6, "max-ms")
}

// BenchmarkSendPacing sends a file to one receiver and reports how late
// each frame went out against the file's timestamp.
func BenchmarkSendPacing(b *testing.B) {
	url := serveForBench(b, signal.NewServer(signal.ServerConfig{}))
	for i := range b.N {
		room := fmt.Sprint("pace", i)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		recv := make(chan error, 1)
		go func() {
			_, err := Receive(ctx, ReceiveConfig{Signal: signal.ClientConfig{URL: url, Room: room}, Out: b.TempDir(), Count: 1})
			recv <- err
		}()
		rep, err := Send(ctx, SendConfig{Signal: signal.ClientConfig{URL: url, Room: room}, Receivers: 1,
			Files: []string{testdata("vfr.ivf"), testdata("opus-stereo.ogg")}})
		if err != nil || <-recv != nil {
			b.Fatal(err)
		}
		cancel()
		for _, t := range rep.Tracks {
			b.ReportMetric(t.PacingP50ms, t.Kind+"-p50-ms")
			b.ReportMetric(t.PacingP99ms, t.Kind+"-p99-ms")
			b.ReportMetric(t.PacingMaxms, t.Kind+"-max-ms")
		}
	}
}

// synthVP8 writes an IVF of "VP8" frames of random bytes, each marked a
// keyframe, at the given bitrate: load for the stream benchmark without an
// encoder. 30 fps, 1/30 timebase.
func synthVP8(b *testing.B, bitrate int, seconds int) string {
	path := filepath.Join(b.TempDir(), "synth.ivf")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	frames := 30 * seconds
	hdr := make([]byte, 32)
	copy(hdr, "DKIF")
	binary.LittleEndian.PutUint16(hdr[6:], 32)
	copy(hdr[8:], "VP80")
	binary.LittleEndian.PutUint16(hdr[12:], 320)
	binary.LittleEndian.PutUint16(hdr[14:], 240)
	binary.LittleEndian.PutUint32(hdr[16:], 30)
	binary.LittleEndian.PutUint32(hdr[20:], 1)
	binary.LittleEndian.PutUint32(hdr[24:], uint32(frames))
	f.Write(hdr)
	size := bitrate / 8 / 30
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range frames {
		frame := make([]byte, size)
		for j := range frame {
			frame[j] = byte(rng.Uint32())
		}
		// A VP8 keyframe tag and start code, so receivers start at once.
		frame[0] &^= 1
		copy(frame[3:], []byte{0x9d, 0x01, 0x2a, 320 & 0xff, 320 >> 8, 240, 0})
		var fh [12]byte
		binary.LittleEndian.PutUint32(fh[0:], uint32(size))
		binary.LittleEndian.PutUint64(fh[4:], uint64(i))
		f.Write(fh[:])
		f.Write(frame)
	}
	return path
}

// reportStreams reports the frames the receivers of a 30 fps file of
// seconds lost, and the CPU per stream (unit) second.
func reportStreams(b *testing.B, reps []*Report, seconds int, cpu, wall time.Duration, unit string) {
	lost := 0
	for _, rep := range reps {
		if rep == nil || len(rep.Tracks) == 0 {
			lost += 30 * seconds
			continue
		}
		lost += 30*seconds - int(rep.Tracks[0].Frames)
	}
	b.ReportMetric(float64(lost), "frames-lost")
	b.ReportMetric(cpu.Seconds()/float64(len(reps)*seconds), "cpu-s/"+unit+"-s")
	b.ReportMetric(wall.Seconds(), "wall-s")
}

// countsFromEnv is the comma-separated counts in $name, or def.
func countsFromEnv(name string, def ...int) []int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	var counts []int
	for _, f := range splitComma(v) {
		n, _ := strconv.Atoi(f)
		counts = append(counts, n)
	}
	return counts
}

// joinedReceivers starts n receivers of room, each for one recording,
// and returns once all have joined; wait waits for them to end and fill
// reps.
func joinedReceivers(b *testing.B, ctx context.Context, url, room string, n int) (reps []*Report, wait func()) {
	var wg sync.WaitGroup
	reps = make([]*Report, n)
	joined := make(chan struct{}, n)
	for r := range n {
		wg.Go(func() {
			rep, err := Receive(ctx, ReceiveConfig{Signal: signal.ClientConfig{URL: url, Room: room}, Out: b.TempDir(), Count: 1,
				onJoined: func(string) { joined <- struct{}{} }})
			if err != nil {
				b.Error(err)
			}
			reps[r] = rep
		})
	}
	for range n {
		within(b, joined, "a receiver to join")
	}
	return reps, wg.Wait
}

// BenchmarkStreams runs N concurrent 1 Mbit/s sender-to-receiver streams
// (one sender serving N receivers, each its own PeerConnection, all in
// this process) and reports frames lost and CPU per stream-second, both
// ends included. STREAMS=a,b,c overrides the counts.
func BenchmarkStreams(b *testing.B) {
	counts := countsFromEnv("STREAMS", 10, 50, 100)
	const seconds = 5
	file := synthVP8(b, 1_000_000, seconds)
	for _, n := range counts {
		b.Run(fmt.Sprintf("streams=%d", n), func(b *testing.B) {
			s := signal.NewServer(signal.ServerConfig{RoomSize: n + 1, Rate: -1})
			url := serveForBench(b, s)
			for i := range b.N {
				room := fmt.Sprint("streams", i)
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				reps, wait := joinedReceivers(b, ctx, url, room, n)
				cpu0, wall0 := cpuTime(), time.Now()
				if _, err := Send(ctx, SendConfig{Signal: signal.ClientConfig{URL: url, Room: room}, Files: []string{file}, Receivers: n}); err != nil {
					b.Fatal(err)
				}
				wait()
				cpu, wall := cpuTime()-cpu0, time.Since(wall0)
				cancel()
				reportStreams(b, reps, seconds, cpu, wall, "stream")
			}
		})
	}
}
