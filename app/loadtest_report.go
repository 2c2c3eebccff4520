package app

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"
)

// LoadReport is what a load test measured. The JSON field names are a
// contract: scripts read them.
type LoadReport struct {
	Publishers     int     `json:"publishers"`
	Subscribers    int     `json:"subscribers"`
	DurationS      float64 `json:"duration_s"`
	TracksExpected int     `json:"tracks_expected"` // publishers' tracks × subscribers who should get them
	TracksReceived int     `json:"tracks_received"` // those that received media
	// Loss is the fraction of packets lost after retransmission, 0–1.
	Loss float64 `json:"loss"`
	// NACKs are the packets publishers were asked to send again; PLIs the
	// keyframe requests subscribers sent.
	NACKs int64 `json:"nacks"`
	PLIs  int64 `json:"plis"`
	// Freezes are pauses of more than 500 ms in a video track; FreezeRate
	// is freezes per minute of video track.
	Freezes      int       `json:"freezes"`
	FreezeRate   float64   `json:"freeze_rate"`
	FirstFrameMs Quantiles `json:"first_frame_ms"` // subscriber's join → the track's first frame
	LatencyMs    Quantiles `json:"latency_ms"`     // publisher's send → subscriber's whole frame
	// CPUSeconds is the load tester's own user+system CPU; CPUShare the
	// same over the run's wall time, as a fraction of all cores.
	CPUSeconds float64 `json:"cpu_seconds"`
	CPUShare   float64 `json:"cpu_share"`
	Frames     int64   `json:"frames"`
	BitrateBps float64 `json:"bitrate_bps"` // received, all tracks, on average
	// PacingP99Ms is the worst publisher track's 99th percentile of
	// lateness against its schedule.
	PacingP99Ms float64 `json:"pacing_p99_ms"`
	// Bottleneck, when set, says the load tester itself limited the test.
	Bottleneck string           `json:"bottleneck,omitempty"`
	Errors     []string         `json:"errors,omitempty"`
	Tracks     []LoadTrackStats `json:"tracks"`
}

// Quantiles are the 50th, 95th and 99th percentiles.
type Quantiles struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
}

// LoadTrackStats is one received track.
type LoadTrackStats struct {
	Subscriber   string    `json:"subscriber"`
	Publisher    string    `json:"publisher"`
	Kind         string    `json:"kind"`
	Codec        string    `json:"codec"`
	Frames       int64     `json:"frames"`
	Bytes        int64     `json:"bytes"`
	Packets      int64     `json:"packets"`
	PacketsLost  int64     `json:"packets_lost"`
	FirstFrameMs float64   `json:"first_frame_ms"`
	Freezes      int       `json:"freezes"`
	LatencyMs    Quantiles `json:"latency_ms"`
}

func quantiles(v []float64) Quantiles {
	if len(v) == 0 {
		return Quantiles{}
	}
	slices.Sort(v)
	at := func(q float64) float64 { return v[min(len(v)-1, int(q*float64(len(v))))] }
	return Quantiles{P50: at(0.50), P95: at(0.95), P99: at(0.99)}
}

// stats is one track's figures now; a trailing pause of more than
// freezeGap before end counts as a freeze.
func (t *loadTrack) stats(end time.Time) (LoadTrackStats, []float64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.countsLocked()
	s.Subscriber, s.Publisher, s.Kind, s.Codec = t.p.name, t.publisher, t.kind, t.codec
	if !t.first.IsZero() && t.video && end.Sub(t.last) > freezeGap {
		s.Freezes++
	}
	lat := make([]float64, len(t.lat))
	for i, v := range t.lat {
		lat[i] = float64(v)
	}
	s.LatencyMs = quantiles(lat)
	return s, lat
}

// report gathers the figures at the end.
func (lt *load) report() *LoadReport {
	end := time.Now()
	wall := end.Sub(lt.started)
	cpu := cpuTime() - lt.cpu0
	r := &LoadReport{Publishers: lt.cfg.Publishers, Subscribers: lt.cfg.Subscribers, DurationS: wall.Seconds(),
		TracksExpected: lt.expected, NACKs: lt.nacks.Load(), PLIs: lt.plis.Load(),
		CPUSeconds: cpu.Seconds(), CPUShare: cpuShare(cpu, wall), Tracks: []LoadTrackStats{}}
	lt.mu.Lock()
	tracks := slices.Clone(lt.tracks)
	for _, e := range lt.errs {
		r.Errors = append(r.Errors, e.Error())
	}
	for _, rep := range lt.pubReps {
		for _, t := range rep.Tracks {
			r.PacingP99Ms = max(r.PacingP99Ms, t.PacingP99ms)
		}
	}
	lt.mu.Unlock()
	var lat, first []float64
	var lost, packets int64
	var videoMinutes float64
	received := map[trackKey]bool{} // a call made again brings its tracks again
	for _, t := range tracks {
		s, l := t.stats(end)
		r.Tracks = append(r.Tracks, s)
		lat = append(lat, l...)
		if s.Frames > 0 && !received[t.key()] {
			received[t.key()] = true
			first = append(first, s.FirstFrameMs)
		}
		r.Frames += s.Frames
		r.BitrateBps += float64(s.Bytes) * 8 / wall.Seconds()
		r.Freezes += s.Freezes
		lost, packets = lost+s.PacketsLost, packets+s.Packets
		if t.video && s.Frames > 0 {
			videoMinutes += end.Sub(t.p.start).Minutes() - s.FirstFrameMs/60000
		}
	}
	r.TracksReceived = len(received)
	if packets+lost > 0 {
		r.Loss = float64(lost) / float64(packets+lost)
	}
	if videoMinutes > 0 {
		r.FreezeRate = float64(r.Freezes) / videoMinutes
	}
	r.FirstFrameMs, r.LatencyMs = quantiles(first), quantiles(lat)
	r.Bottleneck = lt.bottleneck(r)
	return r
}

// bottleneck says whether the load tester limited the test: its own CPU,
// or its sends falling behind their schedule.
func (lt *load) bottleneck(r *LoadReport) string {
	lt.mu.Lock()
	busy := lt.busySeconds
	lt.mu.Unlock()
	switch {
	case busy > 0:
		return fmt.Sprintf("the load tester's CPU was over 90%% for %d s: its figures, not the server's, may be the limit; run it on more cores or machines", busy)
	case r.PacingP99Ms > 50:
		return fmt.Sprintf("the publishers fell behind their schedule (pacing p99 %.0f ms): the load tester is short of CPU", r.PacingP99Ms)
	}
	return ""
}

// startTable prints the live table once a second until ctx ends; the
// returned func waits for its last line.
func (lt *load) startTable(ctx context.Context, wg *sync.WaitGroup) func() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		w := lt.cfg.Table
		if w != nil {
			fmt.Fprintln(w, tableHeader)
		}
		prevBytes, prevCPU, prevAt := int64(0), lt.cpu0, time.Now()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				line, bytes, cpu := lt.tableLine(now, prevBytes, prevCPU, prevAt)
				prevBytes, prevCPU, prevAt = bytes, cpu, now
				if w != nil {
					io.WriteString(w, line+"\n")
				}
			}
		}
	}()
	return func() { <-done }
}

// The live table's columns: a header and a row share the widths.
const tableRow = "%6s %11s %11s %11s %7s %7s %5s %7s %18s %22s %5s"

var tableHeader = fmt.Sprintf(tableRow, "time", "peers", "tracks", "bitrate", "loss", "nacks", "plis", "freezes",
	"first frame p50/95", "latency p50/95/99", "cpu")

// tableLine is one second of the live table.
func (lt *load) tableLine(now time.Time, prevBytes int64, prevCPU time.Duration, prevAt time.Time) (string, int64, time.Duration) {
	lt.mu.Lock()
	tracks := slices.Clone(lt.tracks)
	window := lt.window
	lt.window = nil
	lt.mu.Unlock()
	var bytes, lost, packets int64
	var freezes int
	var first []float64
	receiving := map[trackKey]bool{}
	for _, t := range tracks {
		s := t.counts()
		bytes += s.Bytes
		lost, packets = lost+s.PacketsLost, packets+s.Packets
		freezes += s.Freezes
		if s.Frames > 0 && !receiving[t.key()] {
			receiving[t.key()] = true
			first = append(first, s.FirstFrameMs)
		}
	}
	if lt.cfg.onSecond != nil {
		lt.cfg.onSecond(len(receiving), lt.expected)
	}
	cpu := cpuTime()
	share := cpuShare(cpu-prevCPU, now.Sub(prevAt))
	if share > 0.9 {
		lt.mu.Lock()
		lt.busySeconds++
		lt.mu.Unlock()
	}
	loss := 0.0
	if packets+lost > 0 {
		loss = float64(lost) / float64(packets+lost)
	}
	ff, l := quantiles(first), quantiles(window)
	peers := lt.cfg.Publishers + lt.cfg.Subscribers
	line := fmt.Sprintf(tableRow, fmt.Sprintf("%.0fs", now.Sub(lt.started).Seconds()),
		fmt.Sprintf("%d/%d", lt.joined.Load(), peers), fmt.Sprintf("%d/%d", len(receiving), lt.expected),
		bitrate(float64(bytes-prevBytes)*8/now.Sub(prevAt).Seconds()), fmt.Sprintf("%.2f%%", loss*100),
		fmt.Sprint(lt.nacks.Load()), fmt.Sprint(lt.plis.Load()), fmt.Sprint(freezes),
		fmt.Sprintf("%.0f/%.0f ms", ff.P50, ff.P95), fmt.Sprintf("%.1f/%.1f/%.1f ms", l.P50, l.P95, l.P99), fmt.Sprintf("%.0f%%", share*100))
	return line, bytes, cpu
}

// counts is what the live table needs of a track: stats without the
// latencies, and without judging a pause still going on.
func (t *loadTrack) counts() LoadTrackStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.countsLocked()
}

func (t *loadTrack) countsLocked() LoadTrackStats {
	s := LoadTrackStats{Frames: t.frames.Load(), Bytes: t.bytes.Load(), Packets: t.packets.Load(), PacketsLost: t.lost.Load(), Freezes: t.freezes}
	if !t.first.IsZero() {
		s.FirstFrameMs = ms(t.first.Sub(t.p.start))
	}
	return s
}

func bitrate(bps float64) string {
	switch {
	case bps >= 1e9:
		return fmt.Sprintf("%.2f Gb/s", bps/1e9)
	case bps >= 1e6:
		return fmt.Sprintf("%.1f Mb/s", bps/1e6)
	}
	return fmt.Sprintf("%.0f kb/s", bps/1e3)
}

// WriteSummary prints the summary table.
func (r *LoadReport) WriteSummary(w io.Writer) {
	fmt.Fprintf(w, "\n%d publishers, %d subscribers, %.0f s\n", r.Publishers, r.Subscribers, r.DurationS)
	rows := [][2]string{
		{"tracks received", fmt.Sprintf("%d of %d", r.TracksReceived, r.TracksExpected)},
		{"frames", fmt.Sprint(r.Frames)},
		{"bitrate", bitrate(r.BitrateBps)},
		{"loss (after retransmission)", fmt.Sprintf("%.3f%%", r.Loss*100)},
		{"NACKs, PLIs", fmt.Sprintf("%d, %d", r.NACKs, r.PLIs)},
		{"freezes (> 500 ms)", fmt.Sprintf("%d (%.2f per video track-minute)", r.Freezes, r.FreezeRate)},
		{"join → first frame", fmt.Sprintf("p50 %.0f ms, p95 %.0f ms, p99 %.0f ms", r.FirstFrameMs.P50, r.FirstFrameMs.P95, r.FirstFrameMs.P99)},
		{"frame latency", fmt.Sprintf("p50 %.1f ms, p95 %.1f ms, p99 %.1f ms", r.LatencyMs.P50, r.LatencyMs.P95, r.LatencyMs.P99)},
		{"publishers' pacing p99", fmt.Sprintf("%.1f ms", r.PacingP99Ms)},
		{"load tester CPU", fmt.Sprintf("%.1f s (%.0f%% of %s)", r.CPUSeconds, r.CPUShare*100, cores())},
	}
	for _, row := range rows {
		fmt.Fprintf(w, "  %-28s %s\n", row[0], row[1])
	}
	if r.Bottleneck != "" {
		fmt.Fprintf(w, "  warning: %s\n", r.Bottleneck)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(w, "  error: %s\n", e)
	}
}

// LoadLimits are the thresholds that fail a load test; zero values are
// off.
type LoadLimits struct {
	MaxLoss       float64       // fraction, 0–1
	MaxFirstFrame time.Duration // p95 of join → first frame
	MaxFreezeRate float64       // freezes per video track-minute
}

// Failures says what went wrong: tracks that never received media, and
// every limit exceeded.
func (r *LoadReport) Failures(l LoadLimits) []string {
	var f []string
	if r.TracksReceived < r.TracksExpected {
		f = append(f, fmt.Sprintf("%d of %d tracks received no media", r.TracksExpected-r.TracksReceived, r.TracksExpected))
	}
	if l.MaxLoss > 0 && r.Loss > l.MaxLoss {
		f = append(f, fmt.Sprintf("loss %.3f%% is over --max-loss %.3f%%", r.Loss*100, l.MaxLoss*100))
	}
	if l.MaxFirstFrame > 0 && r.FirstFrameMs.P95 > ms(l.MaxFirstFrame) {
		f = append(f, fmt.Sprintf("first frame p95 %.0f ms is over --max-first-frame %v", r.FirstFrameMs.P95, l.MaxFirstFrame))
	}
	if l.MaxFreezeRate > 0 && r.FreezeRate > l.MaxFreezeRate {
		f = append(f, fmt.Sprintf("%.2f freezes per video track-minute is over --max-freeze-rate %g", r.FreezeRate, l.MaxFreezeRate))
	}
	return f
}
