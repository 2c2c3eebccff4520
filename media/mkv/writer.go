package mkv

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/at-wat/ebml-go"
	"github.com/at-wat/ebml-go/webm"
)

const (
	// maxCluster bounds a cluster's span when keyframes are rare, as they
	// are in WebRTC (only on request), so cluster timestamps stay frequent
	// for players resynchronising in a damaged or growing file.
	maxCluster = 5000 // ms
	// maxPending is how many audio frames are held while waiting for the
	// first video keyframe: 5 s of 20 ms Opus.
	maxPending = 250
	// MaxFrameSize is the largest frame WriteFrame accepts: far above any
	// real frame, low enough that a corrupt size cannot exhaust memory.
	MaxFrameSize = 32 << 20
)

// Writer writes one WebM or Matroska file. It is not safe for concurrent
// use.
//
// Every element whose size is not known yet (the Segment, the open
// Cluster) is written with EBML's "unknown size", and each frame goes to
// the destination in one Write before WriteFrame returns, so after a
// crash the file plays up to the last frame written. Nothing is written
// until the file starts (see WriteFrame).
type Writer struct {
	dst    io.Writer
	seeker io.WriteSeeker // nil unless dst can seek
	base   int64          // dst's offset at NewWriter
	isWebM bool
	tracks []*track
	video  *track // nil for an audio-only file
	err    error  // sticky: the first write failure, or ErrClosed

	started bool
	origin  time.Duration // pts of the first frame, time 0 in the file
	pending []pendingFrame
	lay     layout
	written int64 // bytes written, the offset from base

	inCluster   bool
	clusterTime int64   // ms
	clusters    []int64 // offsets of every Cluster, for Close
	cues        []webm.CuePoint

	out  bytes.Buffer // the bytes of one WriteFrame
	avc  []byte       // H264 frame in length-prefixed form
	nals [][]byte     // its NAL units, in the caller's frame
}

// clusterHead is what a Cluster holds before its blocks.
type clusterHead struct {
	Timecode uint64 `ebml:"Timecode"`
}

type pendingFrame struct {
	t    *track
	data []byte
	pts  time.Duration
	dur  time.Duration
}

// NewWriter returns a Writer for tracks, numbered in order from 1. webm
// selects DocType "webm", which refuses H264 (ErrCodecNotAllowed), over
// "matroska". At most one track may be video. If w is an io.WriteSeeker
// whose Seek works, Close finishes the file in place; it must then not
// be a file opened with O_APPEND.
func NewWriter(w io.Writer, webm bool, tracks []TrackSpec) (*Writer, error) {
	if len(tracks) == 0 {
		return nil, fmt.Errorf("%w: no tracks", ErrBadTrack)
	}
	wr := &Writer{dst: w, isWebM: webm}
	for i, spec := range tracks {
		t, err := newTrack(i, spec, webm)
		if err != nil {
			return nil, err
		}
		if t.codec.video {
			if wr.video != nil {
				return nil, fmt.Errorf("%w: track %d: a second video track", ErrBadTrack, i)
			}
			wr.video = t
		}
		wr.tracks = append(wr.tracks, t)
	}
	if ws, ok := w.(io.WriteSeeker); ok {
		if off, err := ws.Seek(0, io.SeekCurrent); err == nil {
			wr.seeker, wr.base = ws, off
		}
	}
	return wr, nil
}

// WriteFrame writes one frame of tracks[track]. pts is on the timeline
// common to all tracks; the file's time 0 is the pts of its first frame.
// data is not retained. Errors other than ErrWrite concern this frame
// only, which is then dropped, and leave the Writer usable.
//
// The file starts at the first keyframe of the video track (keyframe
// true): earlier video frames are dropped with ErrWaitingForKeyframe,
// audio frames are held (up to 5 s) and written after it, and time 0 is
// the earliest of them and the keyframe. Audio frames earlier than time 0
// that come later are dropped, without an error. Without a video
// track the first frame starts the file. keyframe is ignored for audio.
//
// H264 frames are Annex-B access units (start codes); they are stored
// length-prefixed, with SPS and PPS left in band. AV1 frames are temporal
// units; temporal delimiters are removed.
//
// Per track, pts must not decrease (ErrNonMonotonic); equal is fine.
// Across tracks frames may come in any order within 32 s.
func (w *Writer) WriteFrame(track int, data []byte, pts time.Duration, keyframe bool) error {
	if w.err != nil {
		return w.err
	}
	if track < 0 || track >= len(w.tracks) {
		return fmt.Errorf("%w: track %d of %d", ErrBadFrame, track, len(w.tracks))
	}
	t := w.tracks[track]
	if len(data) == 0 || len(data) > MaxFrameSize {
		return fmt.Errorf("%w: track %d: %d bytes", ErrBadFrame, track, len(data))
	}
	if t.codec.video && !w.started && !keyframe {
		return ErrWaitingForKeyframe
	}
	if t.started && pts < t.last {
		return fmt.Errorf("%w: track %d: %v after %v", ErrNonMonotonic, track, pts, t.last)
	}
	block, dur, err := w.payload(t, data, keyframe)
	if err != nil {
		return fmt.Errorf("track %d: %w", track, err)
	}
	if !w.started && !t.codec.video && w.video != nil {
		w.hold(t, block, pts, dur)
		return nil
	}
	if !w.started {
		// Time 0 is the earliest frame of any track: audio that began a
		// little before the video keyframe (Opus pre-skip puts it 6.5 ms
		// ahead) stays in the file.
		origin := pts
		for _, f := range w.pending {
			origin = min(origin, f.pts)
		}
		if err := w.start(origin); err != nil {
			return err
		}
		// Written before the pending frames so the file opens with it.
		if err := w.accept(t, block, pts, dur, true); err != nil {
			return err
		}
		return w.flushPending()
	}
	return w.accept(t, block, pts, dur, keyframe || !t.codec.video)
}

// hold keeps an audio frame that came before the video keyframe.
func (w *Writer) hold(t *track, block []byte, pts, dur time.Duration) {
	if len(w.pending) == maxPending {
		w.pending = append(w.pending[:0], w.pending[1:]...)
	}
	w.pending = append(w.pending, pendingFrame{t: t, data: bytes.Clone(block), pts: pts, dur: dur})
	t.note(pts)
}

func (w *Writer) flushPending() error {
	p := w.pending
	w.pending = nil
	for _, f := range p {
		if f.pts < w.origin {
			continue
		}
		if err := w.writeBlock(f.t, f.data, f.pts, f.dur, true); err != nil {
			return err
		}
	}
	return nil
}

// start writes the header; pts becomes time 0.
func (w *Writer) start(pts time.Duration) error {
	hdr, lay := header(w.isWebM, w.tracks)
	if err := w.write(hdr); err != nil {
		return err
	}
	w.started, w.origin, w.lay = true, pts, lay
	return nil
}

// accept records a frame that passed the checks and writes it unless it
// is from before the start.
func (w *Writer) accept(t *track, block []byte, pts, dur time.Duration, key bool) error {
	t.note(pts)
	if pts < w.origin {
		return nil
	}
	return w.writeBlock(t, block, pts, dur, key)
}

// writeBlock writes a SimpleBlock, first opening a new Cluster at a video
// keyframe (or any frame of an audio-only file) or once the open one
// spans maxCluster.
func (w *Writer) writeBlock(t *track, block []byte, pts, dur time.Duration, key bool) error {
	rel := pts - w.origin
	if rel < 0 { // overflowed: pts >= origin here
		return fmt.Errorf("%w: pts %v is too far from the start at %v", ErrBadFrame, pts, w.origin)
	}
	ms := int64(rel / time.Millisecond)
	if rel%time.Millisecond >= time.Millisecond/2 {
		ms++
	}
	cueable := key && (t == w.video || w.video == nil)
	newCluster := !w.inCluster || ms-w.clusterTime >= maxCluster || (cueable && t == w.video)
	clusterTime := w.clusterTime
	if newCluster {
		// Never earlier than the last cluster: an audio frame may have
		// opened it a little after this keyframe's time.
		clusterTime = max(ms, w.clusterTime)
	}
	offset := ms - clusterTime
	if offset < math.MinInt16 {
		return fmt.Errorf("%w: track %d at %v is over 32 s behind the other tracks", ErrNonMonotonic, t.entry.TrackNumber-1, pts)
	}

	w.out.Reset()
	if newCluster {
		if err := ebml.Marshal(&struct {
			Cluster clusterHead `ebml:"Cluster,size=unknown"`
		}{clusterHead{uint64(clusterTime)}}, &w.out); err != nil {
			return fmt.Errorf("%w: %w", ErrBadFrame, err)
		}
	}
	if err := ebml.Marshal(&struct {
		SimpleBlock ebml.Block `ebml:"SimpleBlock"`
	}{ebml.Block{
		TrackNumber: t.entry.TrackNumber,
		Timecode:    int16(offset),
		Keyframe:    key,
		Data:        [][]byte{block},
	}}, &w.out); err != nil {
		return fmt.Errorf("%w: %w", ErrBadFrame, err)
	}
	at := w.written
	if err := w.write(w.out.Bytes()); err != nil {
		return err
	}
	if newCluster {
		w.inCluster, w.clusterTime = true, clusterTime
	}
	if newCluster && w.seeker != nil { // only Close uses these, and only to patch
		w.clusters = append(w.clusters, at)
		if cueable {
			w.cues = append(w.cues, webm.CuePoint{
				CueTime: uint64(ms),
				CueTrackPositions: []webm.CueTrackPosition{{
					CueTrack:           t.entry.TrackNumber,
					CueClusterPosition: uint64(at - w.lay.segmentData),
				}},
			})
		}
	}
	t.wrote(rel, dur)
	return nil
}

// write hands b to the destination in one call.
func (w *Writer) write(b []byte) error {
	n, err := w.dst.Write(b)
	w.written += int64(n)
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	if err != nil {
		w.err = fmt.Errorf("%w: at offset %d: %w", ErrWrite, w.written, err)
		return w.err
	}
	return nil
}
