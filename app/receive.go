package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/webrtc-cli/webrtc-cli/media"
	"github.com/webrtc-cli/webrtc-cli/peer"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// ReceiveConfig configures Receive.
type ReceiveConfig struct {
	Signal signal.ClientConfig // Role is forced to receiver
	// WHIP, when set, plays from a WHEP endpoint or takes publishers as a
	// WHIP endpoint, instead of the room of Signal.
	WHIP *WHIPConfig
	Net  peer.NetOptions
	// Out is the directory recordings go to, as Out/<sender>/<track>.<ext>.
	Out string
	// Duration, when positive, ends Receive after that long.
	Duration time.Duration
	// Count, when positive, ends Receive after that many senders have
	// finished sending (said bye, or sent RTCP BYE on every track) and
	// their files are closed.
	Count int
	// MaxDelay is how long a missing packet is waited for (NACK) before it
	// is given up; default 500 ms.
	MaxDelay time.Duration
	Logger   *slog.Logger
	// Progress, when set, is called about once a second.
	Progress func(ReceiveStatus)
	// OnFile, when set, is called with each finished file's path.
	OnFile func(path string, t *TrackReport)
	// Format is media.FormatWebM or FormatMKV for one file per sender with
	// all its tracks (Out/<sender>/recording.webm), or "" for a file per
	// track in each codec's own container.
	Format media.Format
	// Stdout, when set, takes one recording instead of files in Out, and
	// Receive ends when it ends: the first track (of StdoutKind, "video" or
	// "audio", when set) in its codec's container, or with a Format the
	// first sender's WebM/MKV stream. IVF on a pipe has no header rewrite:
	// players estimate the duration.
	Stdout     io.Writer
	StdoutKind string

	// probe (the load tester) takes every track instead of a file.
	probe receiveProbe

	onJoined     func(id string)                     // tests, the demo, the load tester: the receiver is in the room as id
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

func (s ReceiveStatus) String() string {
	return fmt.Sprintf("recording %d tracks, done %d | %d frames, %s", s.Tracks, s.Completed, s.Frames, byteCount(s.Bytes))
}

// check refuses configurations that cannot work, before anything starts.
func (cfg *ReceiveConfig) check() error {
	switch {
	case cfg.Format != "" && !cfg.Format.Muxed():
		return fmt.Errorf("%w: format %q: want webm, mkv, mp4 or fmp4 (a file per track needs no format)", media.ErrCannotWrite, cfg.Format)
	case cfg.Stdout != nil && cfg.Format != "" && cfg.StdoutKind != "":
		return fmt.Errorf("%w: a %s stream holds every track of the sender; choosing a track needs a file per track (no format)", media.ErrCannotWrite, cfg.Format)
	case cfg.StdoutKind != "" && cfg.StdoutKind != "video" && cfg.StdoutKind != "audio":
		return fmt.Errorf("track %q: want video or audio", cfg.StdoutKind)
	case cfg.probe != nil:
		return nil
	case cfg.Stdout == nil && cfg.Out == "":
		return errors.New("no output directory")
	}
	if cfg.Stdout == nil {
		return checkWritable(cfg.Out)
	}
	return nil
}

// Receive records every track every sender of the room sends it until ctx
// ends, Duration passes or Count recordings are complete. Every file is
// finalized before it returns.
func Receive(ctx context.Context, cfg ReceiveConfig) (*Report, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.Net.ReportInterval <= 0 {
		// Frequent reports let a sender see sooner that everything
		// arrived, and so say bye sooner.
		cfg.Net.ReportInterval = 200 * time.Millisecond
	}
	api, err := peer.NewAPI(cfg.Net, log)
	if err != nil {
		return nil, err
	}
	d, err := connect(ctx, cfg.Signal, cfg.WHIP, signal.RoleReceiver, log)
	if err != nil {
		return nil, err
	}
	defer d.close()
	if cfg.onJoined != nil {
		cfg.onJoined(d.id())
	}

	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	h := &receiver{cfg: cfg, log: log, stop: stop, report: newReport("receive"), dirs: map[string]string{}}
	progress := startProgress(ctx, func() {
		if cfg.Progress != nil {
			cfg.Progress(h.status())
		}
	})
	calls := peer.NewCalls(api, h, cfg.Net, log)
	err = d.run(ctx, calls)
	progress()
	h.wg.Wait()
	h.report.finish()
	if cfg.WHIP != nil && cfg.WHIP.URL != "" && err != nil {
		// A WHEP endpoint ends a session by RTCP BYE, closing the
		// connection or vanishing: after media, that is the end.
		if len(h.report.Tracks) > 0 {
			log.Info("the WHEP session ended", "cause", err)
			err = nil
		} else {
			err = fmt.Errorf("the WHEP session ended before any media arrived: %w", err)
		}
	}
	if err == nil && cfg.Count > 0 && len(h.report.Tracks) == 0 {
		err = fmt.Errorf("%w: no sender sent anything (--count %d)", ErrNothingRecorded, cfg.Count)
	}
	return h.report, err
}

// ErrNothingRecorded is a Receive that had to record and got nothing.
var ErrNothingRecorded = errors.New("nothing recorded")

// checkWritable proves that files can be made in dir, so that a bad --out
// fails at once and not when the first track arrives. It creates nothing
// that stays: dir itself is made with the first recording.
func checkWritable(dir string) error {
	at := filepath.Clean(dir)
	for {
		st, err := os.Stat(at)
		if err == nil {
			if !st.IsDir() {
				return fmt.Errorf("output directory %s: %s is not a directory", dir, at)
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) || filepath.Dir(at) == at {
			return fmt.Errorf("output directory: %w", err)
		}
		at = filepath.Dir(at)
	}
	f, err := os.CreateTemp(at, ".webrtc-cli-probe-*")
	if err != nil {
		return fmt.Errorf("output directory %s is not writable: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// receiver is the peer.Handler of Receive.
type receiver struct {
	cfg    ReceiveConfig
	log    *slog.Logger
	stop   context.CancelFunc
	report *Report
	wg     sync.WaitGroup // recorders and RTCP readers

	recording   atomic.Int32
	stdoutTaken atomic.Bool
	completed   atomic.Int32
	frames      atomic.Int64
	bytes       atomic.Int64

	mu   sync.Mutex
	dirs map[string]string // directory name -> id of the call using it
}

func (r *receiver) Prepare(c *peer.Call) error {
	ic := newInCall(r, c)
	c.State = ic
	c.PC.OnTrack(ic.onTrack)
	if c.Offerer {
		// Playing from a WHEP endpoint: ask for a video and an audio
		// track, in every codec we record.
		for _, kind := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecTypeAudio} {
			if _, err := c.PC.AddTransceiverFromKind(kind, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
				return err
			}
		}
	}
	return nil
}

// claimDir picks Out/<sender>: the sender's name, or its id, made safe;
// another live sender with the same name gets its id appended.
func (r *receiver) claimDir(c *peer.Call) string {
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

func (r *receiver) Connected(c *peer.Call) {
	r.report.connected(c)
	ic := c.State.(*inCall)
	<-c.Context().Done()
	ic.wait()
	cause := context.Cause(c.Context())
	if !errors.Is(cause, peer.ErrRemoteBye) && !errors.Is(cause, errTracksEnded) {
		return
	}
	n := r.completed.Add(1)
	c.MarkComplete()
	c.Log.Info("recording complete", "dir", ic.dir, "completed", n)
	if r.cfg.Count > 0 && int(n) >= r.cfg.Count {
		r.stop()
	}
}

func (r *receiver) Ended(c *peer.Call, cause error) {
	ic, _ := c.State.(*inCall) // nil if Prepare never ran to its end
	r.mu.Lock()
	if ic != nil && r.dirs[filepath.Base(ic.dir)] == c.Remote.ID {
		delete(r.dirs, filepath.Base(ic.dir))
	}
	r.mu.Unlock()
	if !errors.Is(cause, context.Canceled) {
		c.Log.Info("call ended", "cause", cause)
	}
}

func (r *receiver) status() ReceiveStatus {
	return ReceiveStatus{Tracks: int(r.recording.Load()), Completed: int(r.completed.Load()), Frames: r.frames.Load(), Bytes: r.bytes.Load()}
}

// takeStdout claims standard output for one recording (of kind, when the
// configuration names one); false means it is not this one's.
func (r *receiver) takeStdout(kind string) bool {
	if r.cfg.StdoutKind != "" && r.cfg.StdoutKind != kind {
		return false
	}
	return r.stdoutTaken.CompareAndSwap(false, true)
}
