package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/synth"
	"github.com/webrtc-cli/webrtc-cli/peer"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// LoadConfig is a load test: publishers and subscribers in rooms of a
// signaling server, or publishers on a WHIP endpoint and subscribers on a
// WHEP one, for Duration.
type LoadConfig struct {
	// Signal is the server (URLs, token, TLS); Room the room's name, or
	// with Rooms > 1 the prefix of ROOM-1…ROOM-K, over which publishers
	// and subscribers are dealt in turn.
	Signal signal.ClientConfig
	Rooms  int
	// WHIP and WHEP, instead of Signal, are the endpoints publishers POST
	// to and subscribers play from; Bearer their token.
	WHIP, WHEP string
	Bearer     string
	HTTP       *http.Client

	Publishers, Subscribers int
	Duration                time.Duration
	// Files (looped) or Synthetic are what each publisher sends.
	Files     []string
	Synthetic *synth.Config
	// Ramp is how many peers start a second (0: all at once).
	Ramp float64
	// Net is every peer's; Net.Loss on publishers injects loss.
	Net peer.NetOptions
	// Table, when set, gets the live table: a line a second.
	Table  io.Writer
	Logger *slog.Logger // the peers' logs; nil discards

	// onSecond (benchmarks) hears each table line's track counts.
	onSecond func(receiving, expected int)
}

// LoadTest runs the load and returns what it measured. It ends after
// Duration, or earlier when ctx ends (the report then covers what ran).
func LoadTest(ctx context.Context, cfg LoadConfig) (*LoadReport, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	lt := newLoad(cfg)
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	var wg sync.WaitGroup
	table := lt.startTable(ctx, &wg)
	lt.start(ctx, &wg)
	wg.Wait()
	table()
	return lt.report(), nil
}

func (cfg *LoadConfig) check() error {
	switch {
	case cfg.Publishers < 1 || cfg.Subscribers < 0:
		return errors.New("want at least one publisher, and no negative number of subscribers")
	case cfg.Duration <= 0:
		return errors.New("want a positive duration")
	case (cfg.WHIP == "") != (cfg.WHEP == ""):
		return errors.New("WHIP and WHEP go together: publishers need one, subscribers the other")
	case cfg.WHIP == "" && cfg.Signal.URL == "" && len(cfg.Signal.URLs) == 0:
		return errors.New("no server: give a signaling server, or WHIP and WHEP endpoints")
	case cfg.Synthetic == nil && len(cfg.Files) == 0:
		return errors.New("nothing to send: give files or a synthetic bitrate")
	}
	if cfg.Rooms < 1 {
		cfg.Rooms = 1
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// load is a running load test.
type load struct {
	cfg      LoadConfig
	started  time.Time
	stamps   *stamps
	perPub   int // tracks each publisher sends
	expected int // tracks that should be received, all subscribers together

	joined  atomic.Int64 // peers in their room (or with their endpoint)
	nacks   atomic.Int64
	plis    atomic.Int64
	cpu0    time.Duration
	mu      sync.Mutex
	tracks  []*loadTrack
	pubReps []*Report
	subReps []*Report
	errs    []error
	window  []float64 // latencies (ms) of the table's current second
	// busySeconds are the table's seconds with the CPU over 90 %.
	busySeconds int
}

func newLoad(cfg LoadConfig) *load {
	if cfg.Net.NACKHistory == 0 && cfg.Synthetic != nil && cfg.Synthetic.Bitrate <= 2_000_000 {
		// A second or more of packets: what a receiver's 500 ms wait
		// needs, at a quarter of the memory.
		cfg.Net.NACKHistory = 256
	}
	lt := &load{cfg: cfg, started: time.Now(), stamps: newStamps(), cpu0: cpuTime()}
	lt.perPub = len(cfg.Files)
	if cfg.Synthetic != nil {
		lt.perPub = 2
	}
	if cfg.WHIP != "" {
		// Every subscriber plays one stream from the WHEP endpoint.
		lt.expected = lt.perPub * cfg.Subscribers
		return lt
	}
	pubs := map[string]int{} // publishers by room
	for i := range cfg.Publishers {
		pubs[lt.roomOf(i)]++
	}
	for j := range cfg.Subscribers {
		lt.expected += lt.perPub * pubs[lt.roomOf(j)]
	}
	return lt
}

// roomOf deals peer i to a room.
func (lt *load) roomOf(i int) string {
	if lt.cfg.Rooms <= 1 {
		return lt.cfg.Signal.Room
	}
	return fmt.Sprintf("%s-%d", lt.cfg.Signal.Room, i%lt.cfg.Rooms+1)
}

// start starts the publishers, then the subscribers, at the ramp's pace.
func (lt *load) start(ctx context.Context, wg *sync.WaitGroup) {
	var every time.Duration
	if lt.cfg.Ramp > 0 {
		every = time.Duration(float64(time.Second) / lt.cfg.Ramp)
	}
	tick := time.NewTicker(max(every, time.Millisecond))
	defer tick.Stop()
	for i := range lt.cfg.Publishers + lt.cfg.Subscribers {
		if every > 0 && i > 0 {
			select {
			case <-tick.C:
			case <-ctx.Done():
				return
			}
		}
		if i < lt.cfg.Publishers {
			wg.Go(func() { lt.publish(ctx, i) })
		} else {
			wg.Go(func() { lt.subscribe(ctx, i-lt.cfg.Publishers) })
		}
	}
}

func (lt *load) publish(ctx context.Context, i int) {
	cfg := SendConfig{Files: lt.cfg.Files, Loop: true, Synthetic: lt.cfg.Synthetic, Net: lt.cfg.Net, Logger: lt.cfg.Logger,
		onFrame: lt.sent, onNACK: func(n int) { lt.nacks.Add(int64(n)) }, onJoined: func(string) { lt.joined.Add(1) }}
	if lt.cfg.WHIP != "" {
		cfg.WHIP = &WHIPConfig{URL: lt.cfg.WHIP, Bearer: lt.cfg.Bearer, HTTP: lt.cfg.HTTP}
	} else {
		cfg.Signal = lt.cfg.Signal
		cfg.Signal.Room, cfg.Signal.Name = lt.roomOf(i), fmt.Sprintf("pub-%d", i+1)
	}
	rep, err := Send(ctx, cfg)
	lt.done(rep, err, true)
}

func (lt *load) subscribe(ctx context.Context, j int) {
	p := &probe{lt: lt, start: time.Now(), name: fmt.Sprintf("sub-%d", j+1)}
	cfg := ReceiveConfig{Net: lt.cfg.Net, Logger: lt.cfg.Logger, probe: p,
		onJoined: func(id string) { p.scope.Store(&id); lt.joined.Add(1) }}
	cfg.Net.Loss = 0 // injected on the publishers' side only
	if lt.cfg.WHIP != "" {
		cfg.WHIP = &WHIPConfig{URL: lt.cfg.WHEP, Bearer: lt.cfg.Bearer, HTTP: lt.cfg.HTTP}
	} else {
		cfg.Signal = lt.cfg.Signal
		cfg.Signal.Room, cfg.Signal.Name = lt.roomOf(j), p.name
	}
	rep, err := Receive(ctx, cfg)
	lt.done(rep, err, false)
}

// done keeps a peer's report, and its error unless the test's end caused
// it.
func (lt *load) done(rep *Report, err error, pub bool) {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	if err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		lt.errs = append(lt.errs, err)
	}
	if rep == nil {
		return
	}
	if pub {
		lt.pubReps = append(lt.pubReps, rep)
	} else {
		lt.subReps = append(lt.subReps, rep)
	}
}

// sent stamps a frame as it leaves a publisher for the subscriber remote:
// in a room each subscriber has its own playback, so the stamp is theirs;
// through a WHIP service every subscriber gets the publisher's one.
func (lt *load) sent(remote string, data []byte, at time.Time) {
	if lt.cfg.WHIP != "" {
		remote = ""
	}
	lt.stamps.put(remote, data, at)
}

func (lt *load) latency(ms float64) {
	lt.mu.Lock()
	lt.window = append(lt.window, ms)
	lt.mu.Unlock()
}

func (lt *load) addTrack(t *loadTrack) {
	lt.mu.Lock()
	lt.tracks = append(lt.tracks, t)
	lt.mu.Unlock()
}

func cores() string { return fmt.Sprintf("%d cores", runtime.NumCPU()) }

// cpuShare is cpu over wall, as a fraction of all the machine's cores.
func cpuShare(cpu, wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	return cpu.Seconds() / wall.Seconds() / float64(runtime.NumCPU())
}

// cpuTime is this process's user and system CPU so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
