package peer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// ReceiveConfig configures Receive.
type ReceiveConfig struct {
	Signal signal.ClientConfig // Role is forced to receiver
	Net    NetOptions
	// Out is the directory recordings go to, as Out/<sender>/<track>.<ext>.
	Out string
	// Duration, when positive, ends Receive after that long.
	Duration time.Duration
	// Count, when positive, ends Receive after that many senders have
	// finished sending (said bye) and their files are closed.
	Count int
	// MaxDelay is how long a missing packet is waited for (NACK) before it
	// is given up; default 500 ms.
	MaxDelay time.Duration
	Logger   *slog.Logger
	// Progress, when set, is called about once a second.
	Progress func(ReceiveStatus)
	// OnFile, when set, is called with each finished file's path.
	OnFile func(path string, t *TrackReport)
	// Format "webm" or "mkv" writes one file per sender with all its
	// tracks (Out/<sender>/recording.webm) instead of a file per track.
	Format string
	// Stdout, when set, takes the first track (of StdoutKind, "video" or
	// "audio", when set) instead of files in Out, and Receive ends when it
	// ends. IVF on a pipe has no header rewrite: players estimate the
	// duration.
	Stdout     io.Writer
	StdoutKind string

	onJoined     func()                              // tests and the demo: the receiver is in the room
	openFile     func(path string) (*os.File, error) // tests: stand-in for creating a file
	onFirstFrame func()                              // benchmarks: a frame is on disk
}

// ReceiveStatus is a snapshot of a running Receive.
type ReceiveStatus struct {
	Tracks    int // being recorded now
	Completed int
	Frames    int64
	Bytes     int64
}

// Receive records every track every sender of the room sends it until ctx
// ends, Duration passes or Count recordings are complete. Every file is
// finalized before it returns.
func Receive(ctx context.Context, cfg ReceiveConfig) (*Report, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	switch cfg.Format {
	case "", "webm", "mkv":
	default:
		return nil, fmt.Errorf("format %q: want webm or mkv", cfg.Format)
	}
	if cfg.Stdout == nil {
		if cfg.Out == "" {
			return nil, errors.New("no output directory")
		}
		if err := checkWritable(cfg.Out); err != nil {
			return nil, err
		}
	}
	if cfg.Net.ReportInterval <= 0 {
		// Frequent reports let a sender see sooner that everything
		// arrived, and so say bye sooner.
		cfg.Net.ReportInterval = 200 * time.Millisecond
	}
	api, err := NewAPI(cfg.Net, log)
	if err != nil {
		return nil, err
	}
	cfg.Signal.Role = signal.RoleReceiver
	cfg.Signal.Logger = log
	sig, err := signal.Dial(ctx, cfg.Signal)
	if err != nil {
		return nil, err
	}
	defer sig.Close()
	log.Info("joined room; waiting for senders", "room", cfg.Signal.Room, "id", sig.ID(), "out", cfg.Out)
	if cfg.onJoined != nil {
		cfg.onJoined()
	}

	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	h := &receiver{cfg: cfg, log: log, stop: stop, report: newReport("receive"), dirs: map[string]string{}}
	if cfg.Progress != nil {
		go every(ctx, time.Second, func() { cfg.Progress(h.status()) })
	}
	err = NewManager(sig, api, h, signal.RoleReceiver, cfg.Net.ICEServers, log).Run(ctx)
	h.wg.Wait()
	h.report.finish()
	return h.report, err
}

// checkWritable makes dir and proves a file can be created in it, so that
// a bad --out fails at once and not when the first track arrives.
func checkWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("output directory: %w", err)
	}
	f, err := os.CreateTemp(dir, ".webrtc-cli-probe-*")
	if err != nil {
		return fmt.Errorf("output directory %s is not writable: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// receiver is the Handler of Receive.
type receiver struct {
	cfg    ReceiveConfig
	log    *slog.Logger
	stop   context.CancelFunc
	report *Report
	wg     sync.WaitGroup // recorders

	recording   atomic.Int32
	stdoutTaken atomic.Bool
	completed   atomic.Int32
	frames      atomic.Int64
	bytes       atomic.Int64

	mu    sync.Mutex
	dirs  map[string]string // directory name -> id of the call using it
	calls map[*Call]*inCall
}

// inCall is the state of one sender's call.
type inCall struct {
	dir     string
	muxOnce sync.Once
	mux     *callMux // --format webm|mkv
	muxErr  error
	recs    sync.WaitGroup
	mu      sync.Mutex
	used    map[string]bool // file names taken in dir by this call
}

func (r *receiver) Prepare(c *Call) error {
	ic := &inCall{used: map[string]bool{}}
	ic.dir = r.claimDir(c)
	r.mu.Lock()
	if r.calls == nil {
		r.calls = map[*Call]*inCall{}
	}
	r.calls[c] = ic
	r.mu.Unlock()
	started := time.Now()
	c.PC.OnTrack(func(t *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
		if c.Context().Err() != nil {
			return
		}
		r.wg.Add(1)
		ic.recs.Add(1)
		go func() {
			defer r.wg.Done()
			defer ic.recs.Done()
			r.recording.Add(1)
			defer r.recording.Add(-1)
			r.record(c, ic, t, recv, started)
		}()
	})
	return nil
}

// claimDir picks Out/<sender>: the sender's name, or its id, made safe;
// another live sender with the same name gets its id appended.
func (r *receiver) claimDir(c *Call) string {
	id := safeName(c.Remote.ID, "peer")
	name := safeName(c.Remote.Name, id)
	r.mu.Lock()
	defer r.mu.Unlock()
	if owner, taken := r.dirs[name]; taken && owner != c.Remote.ID {
		name = safeName(name+"-"+id[:min(8, len(id))], id)
	}
	r.dirs[name] = c.Remote.ID
	return filepath.Join(r.cfg.Out, name)
}

func (r *receiver) Connected(c *Call) {
	r.mu.Lock()
	ic := r.calls[c]
	r.mu.Unlock()
	<-c.Context().Done()
	ic.recs.Wait()
	if !errors.Is(context.Cause(c.Context()), ErrRemoteBye) {
		return
	}
	n := r.completed.Add(1)
	c.Log.Info("recording complete", "dir", ic.dir, "completed", n)
	if r.cfg.Count > 0 && int(n) >= r.cfg.Count {
		r.stop()
	}
}

func (r *receiver) Ended(c *Call, cause error) {
	r.mu.Lock()
	if ic := r.calls[c]; ic != nil && r.dirs[filepath.Base(ic.dir)] == c.Remote.ID {
		delete(r.dirs, filepath.Base(ic.dir))
	}
	delete(r.calls, c)
	r.mu.Unlock()
	if !errors.Is(cause, context.Canceled) {
		c.Log.Info("call ended", "cause", cause)
	}
}

// create opens a new file in the call's directory, never overwriting one:
// a name already there gets -2, -3, ...
func (ic *inCall) create(base, ext string, open func(string) (*os.File, error)) (*os.File, error) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	if err := os.MkdirAll(ic.dir, 0o755); err != nil {
		return nil, err
	}
	for i := 1; i < 1000; i++ {
		name := base + ext
		if i > 1 {
			name = fmt.Sprintf("%s-%d%s", base, i, ext)
		}
		if ic.used[name] {
			continue
		}
		path := filepath.Join(ic.dir, name)
		if open != nil {
			f, err := open(path)
			ic.used[name] = err == nil
			return f, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err == nil {
			ic.used[name] = true
		}
		return f, err
	}
	return nil, fmt.Errorf("too many files named %s in %s", base, ic.dir)
}

func (r *receiver) status() ReceiveStatus {
	return ReceiveStatus{Tracks: int(r.recording.Load()), Completed: int(r.completed.Load()), Frames: r.frames.Load(), Bytes: r.bytes.Load()}
}

// opusChannels is the channel count the SDP negotiated: stereo when the
// sender's fmtp says it sends stereo.
func opusChannels(fmtp string) uint8 {
	for _, kv := range strings.Split(fmtp, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		if (k == "sprop-stereo" || k == "stereo") && v == "1" {
			return 2
		}
	}
	return 1
}
