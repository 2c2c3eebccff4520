package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	"github.com/webrtc-cli/webrtc-cli/media"
	"github.com/webrtc-cli/webrtc-cli/media/capture"
	"github.com/webrtc-cli/webrtc-cli/media/h264"
	"github.com/webrtc-cli/webrtc-cli/media/synth"
	"github.com/webrtc-cli/webrtc-cli/peer"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// SendConfig configures Send.
type SendConfig struct {
	Signal signal.ClientConfig // Role is forced to sender
	// WHIP, when set, publishes to a WHIP endpoint or serves viewers as a
	// WHEP endpoint, instead of the room of Signal.
	WHIP *WHIPConfig
	Net  peer.NetOptions
	// Files are the inputs: at most one video (IVF, H264) and one audio
	// (Ogg Opus) file; together they go out as two tracks of one
	// connection. "-" reads Stdin: a pipe is read once, so then all the
	// files are one playback shared by every receiver, as a live source.
	Files []string
	// Stdin is what "-" reads (default os.Stdin), in Format (IVF, Ogg,
	// H264; "" tells by its first bytes).
	Stdin  io.Reader
	Format media.Format
	// FPS is the frame rate of H264 files whose SPS has no timing (zero:
	// from the SPS).
	FPS h264.Rational
	// Capture, instead of Files, captures a device or any ffmpeg input
	// through an ffmpeg child, shared by all receivers; Send stops it.
	Capture *capture.Config
	// Live, instead of Files, are sources already open, shared by all
	// receivers. Send closes them when it returns.
	Live *LiveInput
	// Loop repeats the files with continuous timestamps.
	Loop bool
	// Receivers, when positive, ends Send after that many receivers have
	// received the whole file.
	Receivers int
	// Drain is the longest wait, after the last packet, for a receiver's
	// reports to confirm it has everything before saying bye (default 3 s).
	Drain  time.Duration
	MTU    int // RTP packet size budget; default 1200
	Logger *slog.Logger
	// Progress, when set, is called about once a second with a snapshot.
	Progress func(SendStatus)
	// Synthetic, instead of Files, sends generated VP8 video of its
	// bitrate and silent Opus, endless: no encoder, no file.
	Synthetic *synth.Config

	// The load tester's: each frame as it goes to the receiver remote,
	// and the packets each NACK asks for.
	onFrame  func(remote string, data []byte, at time.Time)
	onNACK   func(n int)
	onJoined func(id string)
}

// SendStatus is a snapshot of a running Send.
type SendStatus struct {
	Receivers int // connected now
	Completed int // received the whole file
	Frames    int64
	Bytes     int64
	RTT       time.Duration // the latest receiver report's
	Loss      float64       // fraction lost in the latest receiver report
}

func (s SendStatus) String() string {
	return fmt.Sprintf("receivers %d, done %d | %d frames, %s | RTT %s, loss %.1f%%",
		s.Receivers, s.Completed, s.Frames, byteCount(s.Bytes), s.RTT.Round(100*time.Microsecond), 100*s.Loss)
}

// Send streams the files to every receiver of the room, each from its
// first frame, until ctx ends or Receivers have completed.
func Send(ctx context.Context, cfg SendConfig) (*Report, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	in, err := openInputs(ctx, &cfg)
	defer in.close()
	if err != nil {
		return nil, err
	}
	var codecs []webrtc.RTPCodecParameters
	for _, t := range in.tracks {
		codecs = append(codecs, t.codec)
	}
	if cfg.Net.ReportInterval <= 0 {
		// Frequent sender reports let a receiver put audio and video on
		// one timeline soon after it starts (receive --format webm).
		cfg.Net.ReportInterval = 250 * time.Millisecond
	}
	api, err := peer.NewAPI(cfg.Net, log, codecs...)
	if err != nil {
		return nil, err
	}
	d, err := connect(ctx, cfg.Signal, cfg.WHIP, signal.RoleSender, log)
	if err != nil {
		return nil, err
	}
	defer d.close()
	if cfg.onJoined != nil {
		cfg.onJoined(d.id())
	}

	interrupted := ctx.Done()
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	if cfg.Drain <= 0 {
		cfg.Drain = 3 * time.Second
	}
	if cfg.MTU <= 0 {
		cfg.MTU = 1200
	}
	s := &sender{cfg: cfg, in: in, log: log, stop: stop, report: newReport("send"), idle: make(chan struct{}, 1)}
	for _, t := range in.tracks {
		s.report.Inputs = append(s.report.Inputs, t.name)
	}
	progress := startProgress(ctx, func() {
		if cfg.Progress != nil {
			cfg.Progress(s.status())
		}
	})
	liveDone := s.startLive(ctx)
	err = d.run(ctx, peer.NewCalls(api, s, cfg.Net, log))
	progress()
	s.wg.Wait()
	s.report.finish()
	in.close() // ends the live readers, which liveDone waits for
	if lerr := <-liveDone; err == nil {
		err = lerr
	}
	if err == nil && cfg.WHIP != nil && cfg.WHIP.URL != "" && s.completed.Load() == 0 && !closed(interrupted) {
		err = errors.New("the WHIP session ended before the media was done (see the log for why)")
	}
	return s.report, err
}

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// sender is the peer.Handler of Send.
type sender struct {
	cfg    SendConfig
	in     *inputs
	log    *slog.Logger
	stop   context.CancelFunc
	report *Report

	connected atomic.Int32
	idle      chan struct{} // a Connected handler returned
	completed atomic.Int32
	frames    atomic.Int64
	bytes     atomic.Int64
	rtt       atomic.Int64
	loss      atomic.Uint64 // float64 bits

	wg sync.WaitGroup // RTCP readers; they end when their call closes
}

// startLive reads the live sources until they end. A source that fails
// (ffmpeg died) ends Send with its error; one that ends cleanly (a piped
// file's end) lets the calls finish and say bye. The channel gives the
// error once every source has ended.
func (s *sender) startLive(ctx context.Context) <-chan error {
	out := make(chan error, 1)
	lives := s.in.lives
	if len(lives) == 0 {
		out <- nil
		return out
	}
	var wg sync.WaitGroup
	for _, l := range lives {
		wg.Go(func() {
			l.run(ctx)
			if l.err != nil {
				s.log.Error("live source failed", "codec", l.info.Codec, "err", l.err)
				s.stop()
			}
		})
	}
	go func() {
		wg.Wait()
		var errs []error
		for _, l := range lives {
			errs = append(errs, l.err)
		}
		err := errors.Join(errs...)
		if err == nil && s.in.live.Wait != nil && ctx.Err() == nil {
			err = s.in.live.Wait()
		}
		if err == nil {
			// The input is over: let the calls under way finish (bye),
			// then stop, as a file sender with nobody left to serve.
			for s.connected.Load() > 0 && ctx.Err() == nil {
				select {
				case <-s.idle:
				case <-ctx.Done():
				}
			}
		}
		s.stop()
		out <- err
	}()
	return out
}

func (s *sender) Prepare(c *peer.Call) error {
	var tracks []*sendTrack
	for _, in := range s.in.tracks {
		kind := in.info.Codec.Kind.String()
		track, err := webrtc.NewTrackLocalStaticRTP(in.codec.RTPCodecCapability, kind, "webrtc-cli")
		if err != nil {
			return err
		}
		tr, err := c.PC.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
		if err != nil {
			return err
		}
		// The codec the track really sends, alone in its m-line: answerers
		// that take the first codec offered still match.
		if err := tr.SetCodecPreferences([]webrtc.RTPCodecParameters{in.codec}); err != nil {
			return err
		}
		t := &sendTrack{in: in, track: track, sender: tr.Sender(), stats: s.report.track(c.Remote, kind, in.info.Codec.Name, in.name),
			rtpBase: rand.Uint32(), remote: c.Remote.ID, reports: make(chan struct{}, 1)}
		tracks = append(tracks, t)
		s.wg.Go(func() { t.readRTCP(s) })
	}
	c.State = tracks
	return nil
}

func (s *sender) Connected(c *peer.Call) {
	s.report.connected(c)
	tracks := c.State.([]*sendTrack)
	s.connected.Add(1)
	defer func() {
		s.connected.Add(-1)
		select {
		case s.idle <- struct{}{}:
		default:
		}
	}()
	// One anchor for every track, so video and audio start together.
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, len(tracks))
	for i, t := range tracks {
		wg.Go(func() { errs[i] = t.stream(c.Context(), s, start) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		if c.Context().Err() == nil {
			c.Log.Error("streaming failed", "err", err)
			endTracks(c, tracks)
			c.Bye()
		}
		return
	}
	if c.Context().Err() != nil {
		return
	}
	// Everything is sent: wait until the receiver's reports show the last
	// packets arrived, leaving time for retransmissions, then say bye. The
	// tracks wait together, so one whose reports are rare costs Drain once.
	confirmed := make([]bool, len(tracks))
	for i, t := range tracks {
		wg.Go(func() { confirmed[i] = t.awaitDelivered(c.Context(), s.cfg.Drain) })
	}
	wg.Wait()
	if c.Context().Err() != nil {
		return
	}
	for i, t := range tracks {
		// Complete means the receiver's reports confirmed it all.
		t.stats.Complete = confirmed[i]
		if !confirmed[i] {
			c.Log.Info("receiver never confirmed the end of a track; saying bye anyway", "codec", t.in.info.Codec)
		}
	}
	n := s.completed.Add(1)
	c.MarkComplete()
	c.Log.Info("receiver has the whole file; saying bye", "completed", n)
	endTracks(c, tracks)
	c.Bye()
	if s.cfg.Receivers > 0 && int(n) >= s.cfg.Receivers {
		s.stop()
	}
}

// byeLinger is how long the connection stays open after RTCP BYE. Closing
// it sends DTLS close_notify right behind the BYE, and a receiver that
// gets both at once shuts its SRTCP session before reading the BYE.
const byeLinger = 200 * time.Millisecond

// endTracks sends RTCP BYE for each track (RFC 3550 §6.6), so that the
// receiver knows the stream is over even if the signaling bye never
// arrives (a signaling server that died mid-stream), and gives it time to
// arrive before the connection closes.
func endTracks(c *peer.Call, tracks []*sendTrack) {
	for _, t := range tracks {
		bye := &rtcp.Goodbye{Sources: []uint32{t.ssrc()}, Reason: "end of stream"}
		if err := c.PC.WriteRTCP([]rtcp.Packet{bye}); err != nil {
			c.Log.Debug("sending RTCP BYE", "err", err)
		}
	}
	linger := time.NewTimer(byeLinger)
	defer linger.Stop()
	select {
	case <-linger.C:
	case <-c.Context().Done():
	}
}

func (s *sender) Ended(c *peer.Call, cause error) {
	if !errors.Is(cause, context.Canceled) {
		c.Log.Info("call ended", "cause", cause)
	}
}

func (s *sender) status() SendStatus {
	return SendStatus{
		Receivers: int(s.connected.Load()), Completed: int(s.completed.Load()),
		Frames: s.frames.Load(), Bytes: s.bytes.Load(),
		RTT: time.Duration(s.rtt.Load()), Loss: math.Float64frombits(s.loss.Load()),
	}
}
