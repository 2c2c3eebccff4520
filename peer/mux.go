package peer

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	"github.com/webrtc-cli/webrtc-cli/media/mkv"
	"github.com/webrtc-cli/webrtc-cli/media/rtpio"
)

// callMux writes every track of one sender into one WebM or Matroska file.
// Tracks are put on one timeline by the sender's RTCP sender reports,
// which pair an RTP timestamp with the sender's wall clock: that keeps
// audio and video as far apart as the sender had them. Until every track
// has a report (and the file has all its tracks), frames wait in memory.
type callMux struct {
	webm     bool
	expected int
	log      *slog.Logger

	mu      sync.Mutex
	file    *os.File
	name    string
	w       *mkv.Writer
	tracks  []*muxTrack
	held    []heldFrame
	base    time.Time
	open    int // tracks not done yet
	err     error
	started time.Time
}

type muxTrack struct {
	m       *callMux
	idx     int
	spec    mkv.TrackSpec
	clock   uint32
	video   bool
	mapped  bool // srWall/srRTP are set
	srWall  time.Time
	srRTP   uint32
	first   time.Time // arrival of the first frame, for the fallback
	firstTS uint32
}

type heldFrame struct {
	t    *muxTrack
	f    rtpio.Frame
	wall time.Time
}

// noReportAfter is how long a track waits for a sender report before its
// frames are timed by their arrival instead (a peer that sends none).
const noReportAfter = 2 * time.Second

// maxHeld bounds what waits in memory for the file to start.
const maxHeld = 4000

func newCallMux(webm bool, expected int, log *slog.Logger) *callMux {
	return &callMux{webm: webm, expected: expected, log: log, started: time.Now()}
}

// addTrack declares a track; the file starts once all expected tracks are
// declared and timed.
func (m *callMux) addTrack(spec mkv.TrackSpec, clock uint32, video bool) *muxTrack {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := &muxTrack{m: m, idx: len(m.tracks), spec: spec, clock: clock, video: video}
	m.tracks = append(m.tracks, t)
	m.open++
	return t
}

// senderReport records the first report of t: its (wall clock, RTP
// timestamp) pair maps every later timestamp. Later reports are not used,
// so the timeline never jumps.
func (t *muxTrack) senderReport(sr *rtcp.SenderReport) {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	if t.mapped {
		return
	}
	t.mapped, t.srWall, t.srRTP = true, ntpTime(sr.NTPTime), sr.RTPTime
	t.m.flushLocked()
}

func ntpTime(ntp uint64) time.Time {
	const ntpEpochOffset = 2208988800
	secs := int64(ntp>>32) - ntpEpochOffset
	frac := int64(ntp&0xffffffff) * int64(time.Second) >> 32
	return time.Unix(secs, frac)
}

func (t *muxTrack) wall(ts uint32) time.Time {
	d := int64(int32(ts - t.srRTP))
	return t.srWall.Add(time.Duration(d * int64(time.Second) / int64(t.clock)))
}

func (t *muxTrack) write(f rtpio.Frame) error {
	m := t.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	now := time.Now()
	if t.first.IsZero() {
		t.first, t.firstTS = now, uint32(f.Timestamp)
	}
	if !t.mapped && now.Sub(t.first) > noReportAfter {
		m.log.Warn("no RTCP sender report: timing the track by arrival", "codec", t.spec.CodecID)
		t.mapped, t.srWall, t.srRTP = true, t.first, t.firstTS
	}
	m.held = append(m.held, heldFrame{t: t, f: f})
	if len(m.held) > maxHeld {
		m.held = m.held[1:]
	}
	return m.flushLocked()
}

// flushLocked starts the file when it can and writes what is held.
func (m *callMux) flushLocked() error {
	if m.err != nil || len(m.tracks) < m.expected {
		return m.err
	}
	for _, t := range m.tracks {
		if !t.mapped {
			return nil
		}
	}
	if m.w == nil {
		// Video first, whatever order the tracks arrived in: players and
		// tools expect it, and the file is the same from run to run.
		slices.SortStableFunc(m.tracks, func(a, b *muxTrack) int {
			if a.video == b.video {
				return 0
			}
			if a.video {
				return -1
			}
			return 1
		})
		for i, t := range m.tracks {
			t.idx = i
		}
		specs := make([]mkv.TrackSpec, len(m.tracks))
		for i, t := range m.tracks {
			specs[i] = t.spec
		}
		w, err := mkv.NewWriter(m.file, m.webm, specs)
		if err != nil {
			m.err = fmt.Errorf("%s: %w", m.name, err)
			return m.err
		}
		m.w = w
	}
	for i := range m.held {
		m.held[i].wall = m.held[i].t.wall(uint32(m.held[i].f.Timestamp))
	}
	slices.SortStableFunc(m.held, func(a, b heldFrame) int { return a.wall.Compare(b.wall) })
	for _, h := range m.held {
		if m.base.IsZero() {
			m.base = h.wall
		}
		pts := h.wall.Sub(m.base)
		if pts < 0 {
			continue // before the file's start
		}
		err := m.w.WriteFrame(h.t.idx, h.f.Data, pts, h.f.Keyframe)
		if errors.Is(err, mkv.ErrWrite) {
			m.err = fmt.Errorf("%s: %w", m.name, err)
			return m.err
		}
	}
	m.held = m.held[:0]
	return nil
}

// done closes the file when the last track is done.
func (t *muxTrack) Close() error {
	m := t.m
	m.mu.Lock()
	defer m.mu.Unlock()
	m.open--
	if m.open > 0 {
		return nil
	}
	// Tracks that never got a report: time them by arrival now.
	for _, tr := range m.tracks {
		if !tr.mapped && !tr.first.IsZero() {
			tr.mapped, tr.srWall, tr.srRTP = true, tr.first, tr.firstTS
		}
	}
	m.expected = len(m.tracks)
	err := m.flushLocked()
	if m.w != nil {
		err = errors.Join(err, m.w.Close())
	}
	return errors.Join(err, m.file.Close())
}

// expectedTracks counts the media the remote peer sends in this call.
func expectedTracks(pc *webrtc.PeerConnection) int {
	n := 0
	for _, tr := range pc.GetTransceivers() {
		if d := tr.Direction(); (d == webrtc.RTPTransceiverDirectionRecvonly || d == webrtc.RTPTransceiverDirectionSendrecv) && tr.Receiver() != nil {
			n++
		}
	}
	return max(n, 1)
}

// readSenderReports reads the receiver's RTCP: pion's interceptors see
// the sender reports only when someone reads them (and without them
// receiver reports carry no round-trip timing); the mux, when there is
// one, takes the first for its timeline.
func readSenderReports(r *webrtc.RTPReceiver, ssrc webrtc.SSRC, t *muxTrack) {
	for {
		pkts, _, err := r.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			if sr, ok := p.(*rtcp.SenderReport); ok && sr.SSRC == uint32(ssrc) && t != nil {
				t.senderReport(sr)
			}
		}
	}
}
