package media

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/mkv"
	"github.com/webrtc-cli/webrtc-cli/media/mp4"
)

// Muxer writes every track of one sender into one WebM or Matroska file.
// Tracks are put on one timeline by the sender's clock: each track's first
// sender report (RTCP SR) pairs an RTP timestamp with the sender's wall
// clock, which keeps audio and video as far apart as the sender had them.
// The file starts once every track is known, timed and has a frame, and
// its time 0 is the earliest frame of any track; until then frames wait in
// memory, for at most MuxWait.
type Muxer struct {
	format   Format
	name     string // for errors
	expected int
	log      *slog.Logger

	// now is the clock for MuxWait and noReportAfter (tests replace it).
	now func() time.Time

	mu      sync.Mutex
	w       io.Writer
	mw      frameWriter
	tracks  []*MuxTrack
	held    []heldFrame
	heldAt  time.Time // arrival of the oldest held frame
	base    time.Time
	open    int // tracks not closed yet
	err     error
	dropped int // frames the file could not take, all tracks
}

// MuxWait bounds how long frames wait for the file to start: a track that
// is expected but sends nothing by then (a browser's microphone that never
// sends) is left out of the file.
const MuxWait = 5 * time.Second

// noReportAfter is how long a track waits for a sender report before its
// frames are timed by their arrival instead (a peer that sends none).
const noReportAfter = 2 * time.Second

// maxHeld bounds the frames waiting in memory whatever their time.
const maxHeld = 4000

// frameWriter is the container: mkv.Writer or mp4.Writer.
type frameWriter interface {
	WriteFrame(track int, data []byte, pts time.Duration, keyframe bool) error
	Close() error
}

// MuxTrack is one track of a Muxer: a Sink.
type MuxTrack struct {
	m        *Muxer
	idx      int
	codec    *Codec
	channels int  // Opus
	excluded bool // left out of the file: it came too late
	mapped   bool // srWall/srRTP are set
	srWall   time.Time
	srRTP    uint32
	first    time.Time // arrival of the first frame, for the fallback
	firstTS  uint32
	frames   int
	dropped  int
}

type heldFrame struct {
	t    *MuxTrack
	f    Frame
	wall time.Time
}

// NewMuxer writes to w in format f (WebM, MKV, MP4 or fragmented MP4) the
// tracks of one sender,
// of which expected are to come (the file waits for them, up to MuxWait).
// name names the file in errors. Closing the last track finishes the file
// but does not close w.
func NewMuxer(w io.Writer, f Format, name string, expected int, log *slog.Logger) (*Muxer, error) {
	if !f.Muxed() {
		return nil, fmt.Errorf("%w: %s holds one track; a muxed recording needs webm, mkv, mp4 or fmp4", ErrCannotWrite, f)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Muxer{format: f, w: w, name: name, expected: max(expected, 1), log: log, now: time.Now}, nil
}

// Track declares a track of codec c (channels: Opus's channel count).
func (m *Muxer) Track(c *Codec, channels int) (*MuxTrack, error) {
	if !c.CanWrite(m.format) {
		return nil, fmt.Errorf("%w: %v in %s: use --format %s, or a file per track", ErrCannotWrite, c, strings.ToUpper(string(m.format)), c.muxedFormats())
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t := &MuxTrack{m: m, codec: c}
	if c.Kind == Audio {
		t.channels = channels
	}
	if m.mw != nil {
		t.excluded = true
		m.log.Warn("a track arrived after the recording started: not in the file", "file", m.name, "codec", c.Name)
	}
	m.tracks = append(m.tracks, t)
	m.open++
	return t, nil
}

// Dropped is how many frames of the track the file could not take: the
// track came too late, or its frames were older than the file's start.
func (t *MuxTrack) Dropped() int {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	return t.dropped
}

// SenderReport gives the track's clock: RTP timestamp rtp was taken at the
// sender's wall clock time wall. Only the first report is used, so the
// timeline never jumps.
func (t *MuxTrack) SenderReport(wall time.Time, rtp uint32) {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	if t.mapped {
		return
	}
	t.mapped, t.srWall, t.srRTP = true, wall, rtp
	t.m.flushLocked(t.m.now())
}

func (t *MuxTrack) wall(ts uint32) time.Time {
	d := int64(int32(ts - t.srRTP))
	return t.srWall.Add(time.Duration(d * int64(time.Second) / int64(t.codec.ClockRate)))
}

// WriteFrame adds a frame of the track.
func (t *MuxTrack) WriteFrame(f Frame) error {
	m := t.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	if t.excluded {
		t.dropped++
		m.dropped++
		return nil
	}
	now := m.now()
	if t.first.IsZero() {
		t.first, t.firstTS = now, uint32(f.Timestamp)
	}
	if !t.mapped && now.Sub(t.first) > noReportAfter {
		m.log.Warn("no RTCP sender report: timing the track by arrival", "file", m.name, "codec", t.codec.Name)
		t.mapped, t.srWall, t.srRTP = true, t.first, t.firstTS
	}
	t.frames++
	if len(m.held) == 0 {
		m.heldAt = now
	}
	m.held = append(m.held, heldFrame{t: t, f: f})
	if len(m.held) > maxHeld {
		m.dropHeld(m.held[0])
		m.held = m.held[1:]
	}
	return m.flushLocked(now)
}

func (m *Muxer) dropHeld(h heldFrame) {
	h.t.dropped++
	m.dropped++
	if m.dropped == 1 {
		m.log.Warn("recording: dropping frames the file cannot take", "file", m.name, "codec", h.t.codec.Name)
	}
}

// ready reports whether the file can start: every expected track is
// declared, timed and has a frame, or MuxWait is over, in which case the
// tracks without frames are left out.
func (m *Muxer) ready(now time.Time, closing bool) bool {
	complete := len(m.tracks) >= m.expected
	for _, t := range m.tracks {
		if t.frames == 0 || !t.mapped {
			complete = false
		}
	}
	if complete {
		return true
	}
	if !closing && (len(m.held) == 0 || now.Sub(m.heldAt) < MuxWait) {
		return false
	}
	// Out of time (or closing): go with the tracks that have frames,
	// timing those without a report by arrival.
	any := false
	for _, t := range m.tracks {
		switch {
		case t.frames == 0:
			t.excluded = true
			m.log.Warn("a track sent nothing: not in the file", "file", m.name, "codec", t.codec.Name)
		case !t.mapped:
			t.mapped, t.srWall, t.srRTP = true, t.first, t.firstTS
			any = true
		default:
			any = true
		}
	}
	return any
}

// flushLocked starts the file when it can and writes what is held.
func (m *Muxer) flushLocked(now time.Time) error {
	if m.err != nil || len(m.held) == 0 {
		return m.err
	}
	if m.mw == nil {
		if !m.ready(now, false) {
			return nil
		}
		if err := m.start(); err != nil {
			return err
		}
	}
	return m.writeHeld()
}

// start writes the header with the tracks that are in: video first,
// whatever order the tracks arrived in, as players and tools expect.
func (m *Muxer) start() error {
	var in []*MuxTrack
	for _, t := range m.tracks {
		if !t.excluded {
			in = append(in, t)
		}
	}
	slices.SortStableFunc(in, func(a, b *MuxTrack) int { return int(a.codec.Kind) - int(b.codec.Kind) })
	for i, t := range in {
		t.idx = i
	}
	mw, err := m.newWriter(in)
	if err != nil {
		m.err = fmt.Errorf("%s: %w", m.name, err)
		return m.err
	}
	m.mw = mw
	return nil
}

// newWriter makes the container of the tracks in.
func (m *Muxer) newWriter(in []*MuxTrack) (frameWriter, error) {
	if m.format == FormatMP4 || m.format == FormatFMP4 {
		specs := make([]mp4.TrackSpec, len(in))
		for i, t := range in {
			specs[i] = mp4.TrackSpec{Codec: t.codec.Name, Channels: t.channels}
		}
		return mp4.NewWriter(m.w, specs, mp4.Options{Fragmented: m.format == FormatFMP4})
	}
	specs := make([]mkv.TrackSpec, len(in))
	for i, t := range in {
		specs[i] = mkv.TrackSpec{CodecID: t.codec.MatroskaID, Channels: t.channels}
	}
	return mkv.NewWriter(m.w, m.format == FormatWebM, specs)
}

// writeHeld writes the held frames in the order of their wall clock time.
func (m *Muxer) writeHeld() error {
	held := m.held[:0]
	for _, h := range m.held {
		if h.t.excluded {
			m.dropHeld(h)
			continue
		}
		h.wall = h.t.wall(uint32(h.f.Timestamp))
		held = append(held, h)
	}
	slices.SortStableFunc(held, func(a, b heldFrame) int { return a.wall.Compare(b.wall) })
	for _, h := range held {
		if m.base.IsZero() {
			m.base = h.wall // the earliest frame of any track
		}
		pts := h.wall.Sub(m.base)
		if pts < 0 {
			m.dropHeld(h) // older than the file's start
			continue
		}
		err := m.mw.WriteFrame(h.t.idx, h.f.Data, pts, h.f.Keyframe)
		if errors.Is(err, mkv.ErrWrite) || errors.Is(err, mp4.ErrWrite) {
			m.err = fmt.Errorf("%s: %w", m.name, err)
			return m.err
		}
	}
	m.held = m.held[:0]
	return nil
}

// Close closes the track; closing the last one finishes the file.
func (t *MuxTrack) Close() error {
	m := t.m
	m.mu.Lock()
	defer m.mu.Unlock()
	m.open--
	if m.open > 0 {
		return nil
	}
	err := m.err
	if m.mw == nil && err == nil {
		// Never started: with what came, or, when nothing did, as a
		// file with every track and no frames, which players still open.
		if len(m.held) > 0 {
			m.ready(m.now(), true)
		}
		err = m.start()
	}
	if err == nil && m.mw != nil {
		err = m.writeHeld()
	}
	if m.mw != nil {
		err = errors.Join(err, m.mw.Close())
	}
	if m.dropped > 0 {
		m.log.Warn("recording: frames the file could not take", "file", m.name, "dropped", m.dropped)
	}
	return err
}
