package peer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/webrtc-cli/webrtc-cli/media"
	"github.com/webrtc-cli/webrtc-cli/media/h264"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// SendConfig configures Send.
type SendConfig struct {
	Signal signal.ClientConfig // Role is forced to sender
	Net    NetOptions
	// Files are the inputs: at most one video (IVF) and one audio (Ogg
	// Opus) file; together they go out as two tracks of one connection.
	Files []string
	// FPS is the frame rate of H264 files whose SPS has no timing (zero:
	// from the SPS).
	FPS h264.Rational
	// Live, instead of Files, is a source shared by all receivers. Send
	// closes its sources when it returns.
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

// Send streams the files to every receiver of the room, each from its
// first frame, until ctx ends or Receivers have completed.
func Send(ctx context.Context, cfg SendConfig) (*Report, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var tracks []fileTrack
	var lives []*liveTrack
	var err error
	if cfg.Live != nil {
		tracks, lives, err = liveTracks(cfg.Live)
	} else {
		tracks, err = probeFiles(cfg.Files, cfg.FPS)
	}
	if err != nil {
		return nil, err
	}
	var codecs []webrtc.RTPCodecParameters
	for _, t := range tracks {
		codecs = append(codecs, t.codec)
	}
	if cfg.Net.ReportInterval <= 0 {
		// Frequent sender reports let a receiver put audio and video on
		// one timeline soon after it starts (receive --format webm).
		cfg.Net.ReportInterval = 250 * time.Millisecond
	}
	api, err := NewAPI(cfg.Net, log, codecs...)
	if err != nil {
		return nil, err
	}
	cfg.Signal.Role = signal.RoleSender
	cfg.Signal.Logger = log
	sig, err := signal.Dial(ctx, cfg.Signal)
	if err != nil {
		return nil, err
	}
	defer sig.Close()
	log.Info("joined room; waiting for receivers", "room", cfg.Signal.Room, "id", sig.ID(), "tracks", len(tracks))

	ctx, stop := context.WithCancel(ctx)
	defer stop()
	h := &sender{cfg: cfg, tracks: tracks, log: log, stop: stop, report: newReport("send"), idle: make(chan struct{}, 1)}
	if cfg.Drain <= 0 {
		h.cfg.Drain = 3 * time.Second
	}
	if cfg.MTU <= 0 {
		h.cfg.MTU = 1200
	}
	m := NewManager(sig, api, h, signal.RoleSender, cfg.Net.ICEServers, log)
	if cfg.Progress != nil {
		go every(ctx, time.Second, func() { cfg.Progress(h.status()) })
	}
	liveDone := h.startLive(ctx, lives, cfg.Live)
	err = m.Run(ctx)
	h.wg.Wait()
	h.report.finish()
	if len(lives) > 0 {
		// Send owns the live sources now: closing them ends their readers.
		for _, l := range lives {
			l.src.Close()
		}
		if lerr := <-liveDone; err == nil {
			err = lerr
		}
	}
	return h.report, err
}

func liveTracks(in *LiveInput) ([]fileTrack, []*liveTrack, error) {
	var tracks []fileTrack
	var lives []*liveTrack
	var video, audio bool
	for _, src := range in.Sources {
		info := src.Track()
		if info.Video() && video || !info.Video() && audio {
			return nil, nil, errors.New("at most one live video and one live audio source")
		}
		video, audio = video || info.Video(), audio || !info.Video()
		codec, err := Codec(info.Codec, info.Channels)
		if err != nil {
			return nil, nil, err
		}
		if info.Fmtp != "" {
			codec.SDPFmtpLine = info.Fmtp
		}
		tracks = append(tracks, fileTrack{path: "live", info: info, codec: codec})
		lives = append(lives, newLiveTrack(src, in.Paced))
	}
	if len(tracks) == 0 {
		return nil, nil, errors.New("no live source")
	}
	return tracks, lives, nil
}

// startLive reads the live sources until they end. A source that fails
// (ffmpeg died) ends Send with its error; one that ends cleanly (a piped
// file's end) lets the calls finish and say bye. The channel gives the
// error once every source has ended.
func (s *sender) startLive(ctx context.Context, lives []*liveTrack, in *LiveInput) <-chan error {
	s.lives = lives
	out := make(chan error, 1)
	if len(lives) == 0 {
		out <- nil
		return out
	}
	var wg sync.WaitGroup
	for _, l := range lives {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.run(ctx)
			if l.err != nil {
				s.log.Error("live source failed", "codec", l.info.Codec, "err", l.err)
				s.stop()
			}
		}()
	}
	go func() {
		wg.Wait()
		var errs []error
		for _, l := range lives {
			errs = append(errs, l.err)
		}
		err := errors.Join(errs...)
		if err == nil && in.Wait != nil && ctx.Err() == nil {
			err = in.Wait()
		}
		if err != nil {
			s.stop()
		} else {
			// The input is over: let the calls under way finish (bye),
			// then stop, as a file sender with nobody left to serve.
			for s.connected.Load() > 0 {
				select {
				case <-s.idle:
				case <-ctx.Done():
				}
				if ctx.Err() != nil {
					break
				}
			}
			s.stop()
		}
		out <- err
	}()
	return out
}

// fileTrack is one input file and the codec it is offered with.
type fileTrack struct {
	path  string
	info  media.Track
	codec webrtc.RTPCodecParameters
}

func probeFiles(paths []string, fps h264.Rational) ([]fileTrack, error) {
	if len(paths) == 0 {
		return nil, errors.New("no input file")
	}
	var out []fileTrack
	var video, audio bool
	for _, p := range paths {
		src, err := media.OpenWith(p, fps)
		if err != nil {
			return nil, err
		}
		info := src.Track()
		// Read it through once: a truncated or corrupt file is refused
		// before anyone is connected, with the reason.
		n := 0
		for ; ; n++ {
			if _, err = src.Next(); err != nil {
				break
			}
		}
		src.Close()
		if !errors.Is(err, errEOF) {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if n == 0 {
			return nil, fmt.Errorf("%s: no frames", p)
		}
		if info.Video() && video || !info.Video() && audio {
			return nil, fmt.Errorf("%s: at most one video and one audio file", p)
		}
		video, audio = video || info.Video(), audio || !info.Video()
		codec, err := Codec(info.Codec, info.Channels)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if info.Fmtp != "" {
			codec.SDPFmtpLine = info.Fmtp
		}
		out = append(out, fileTrack{path: p, info: info, codec: codec})
	}
	return out, nil
}

// sender is the Handler of Send.
type sender struct {
	cfg    SendConfig
	tracks []fileTrack
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

	lives []*liveTrack   // parallel to tracks, when live
	wg    sync.WaitGroup // RTCP readers; they end when their call closes
	mu    sync.Mutex
	calls map[*Call][]*outTrack
}

func (s *sender) Prepare(c *Call) error {
	var outs []*outTrack
	for i, t := range s.tracks {
		kind := "video"
		if !t.info.Video() {
			kind = "audio"
		}
		track, err := webrtc.NewTrackLocalStaticRTP(t.codec.RTPCodecCapability, kind, "webrtc-cli")
		if err != nil {
			return err
		}
		tr, err := c.PC.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
		if err != nil {
			return err
		}
		// The codec the track really sends, alone in its m-line: answerers
		// that take the first codec offered still match.
		if err := tr.SetCodecPreferences([]webrtc.RTPCodecParameters{t.codec}); err != nil {
			return err
		}
		var live *liveTrack
		if s.lives != nil {
			live = s.lives[i]
		}
		o := &outTrack{file: t, live: live, track: track, sender: tr.Sender(), stats: s.report.track(c.Remote, kind, t.info.Codec.Name, t.path),
			rtpBase: rand.Uint32(), index: i, reports: make(chan struct{}, 1)}
		outs = append(outs, o)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			o.readRTCP(s)
		}()
	}
	s.mu.Lock()
	if s.calls == nil {
		s.calls = map[*Call][]*outTrack{}
	}
	s.calls[c] = outs
	s.mu.Unlock()
	return nil
}

func (s *sender) Connected(c *Call) {
	s.mu.Lock()
	outs := s.calls[c]
	s.mu.Unlock()
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
	errs := make([]error, len(outs))
	for i, o := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = o.stream(c.Context(), s, start)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		if c.Context().Err() == nil {
			c.Log.Error("streaming failed", "err", err)
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
	confirmed := make([]bool, len(outs))
	for i, o := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			confirmed[i] = o.awaitDelivered(c.Context(), s.cfg.Drain)
		}()
	}
	wg.Wait()
	if c.Context().Err() != nil {
		return
	}
	for i, o := range outs {
		// Complete means the receiver's reports confirmed it all.
		o.stats.Complete = confirmed[i]
		if !confirmed[i] {
			c.Log.Info("receiver never confirmed the end of a track; saying bye anyway", "codec", o.file.info.Codec)
		}
	}
	n := s.completed.Add(1)
	c.Log.Info("receiver has the whole file; saying bye", "completed", n)
	c.Bye()
	if s.cfg.Receivers > 0 && int(n) >= s.cfg.Receivers {
		s.stop()
	}
}

func (s *sender) Ended(c *Call, cause error) {
	s.mu.Lock()
	delete(s.calls, c)
	s.mu.Unlock()
	if !errors.Is(cause, context.Canceled) {
		c.Log.Info("call ended", "cause", cause)
	}
}

func (s *sender) status() SendStatus {
	return SendStatus{
		Receivers: int(s.connected.Load()), Completed: int(s.completed.Load()),
		Frames: s.frames.Load(), Bytes: s.bytes.Load(),
		RTT: time.Duration(s.rtt.Load()), Loss: float64frombits(s.loss.Load()),
	}
}
