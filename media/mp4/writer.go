package mp4

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"time"
)

const (
	// maxHold is how far back audio is held while waiting for the first
	// video keyframe, and maxPending bounds the frames held.
	maxHold    = 5 * time.Second
	maxPending = 1000
	// MaxFrameSize is the largest frame WriteFrame accepts: far above any
	// real frame, low enough that a corrupt size cannot exhaust memory.
	MaxFrameSize = 32 << 20
)

// Options configure a Writer.
type Options struct {
	// Fragmented keeps the file fragmented at Close, as it is while
	// recording, instead of turning it into a regular MP4.
	Fragmented bool
}

// Writer writes one MP4 file. It is not safe for concurrent use.
//
// While recording the file is fragmented MP4: the ftyp and a moov that
// describes the tracks but no samples, then one moof+mdat pair per
// fragment, each written in one Write. A fragment starts at each video
// keyframe and holds at most a second (and 1 MiB), so after a crash the
// file plays up to its last fragment. Nothing is written until the file
// starts (see WriteFrame); Close may finish the file (see NewWriter).
type Writer struct {
	dst    io.Writer
	file   file  // nil unless Close finalizes in place
	base   int64 // dst's offset at NewWriter
	tracks []*track
	video  *track // nil for an audio-only file
	err    error  // sticky: the first write failure, or ErrClosed

	started bool
	origin  time.Duration // pts of the first frame, time 0 in the file
	pending []pendingFrame
	written int64 // bytes written, the offset from base

	lay   layout   // where the header's boxes are
	frag  fragment // the fragment being built
	frags []int64  // offset of each fragment written, if Close finalizes

	out  bytes.Buffer // the bytes of one Write
	avc  []byte       // H264 frame in length-prefixed form
	nals [][]byte     // its NAL units, in the caller's frame
}

// file is what finishing the file in place needs; *os.File is one.
type file interface {
	io.ReaderAt
	io.WriterAt
	io.Seeker
}

type pendingFrame struct {
	t    *track
	data []byte
	pts  time.Duration
	dur  uint64 // Opus packet length, in ticks
}

// NewWriter returns a Writer for tracks, numbered in order from 1. At
// most one track may be video; Opus tracks may be any number.
//
// If w is a file that can seek (an *os.File, not a pipe: anything with
// ReadAt, WriteAt and a working Seek) and opts.Fragmented is false, Close
// turns the recording into a regular MP4 in place, and the header leaves
// 64 KiB of free space for it. A file opened with O_APPEND cannot be
// finished so; one opened write-only only when the final moov fits that
// space. Close then reports ErrWrite and leaves the fragmented file, whole.
func NewWriter(w io.Writer, tracks []TrackSpec, opts Options) (*Writer, error) {
	if len(tracks) == 0 {
		return nil, fmt.Errorf("%w: no tracks", ErrBadTrack)
	}
	wr := &Writer{dst: w, lay: layout{reserve: defaultReserve, maxStco: math.MaxUint32}}
	for i, spec := range tracks {
		t, err := newTrack(i, spec)
		if err != nil {
			return nil, err
		}
		if t.video {
			if wr.video != nil {
				return nil, fmt.Errorf("%w: track %d: a second video track", ErrBadTrack, i)
			}
			wr.video = t
		}
		wr.tracks = append(wr.tracks, t)
	}
	if f, ok := w.(file); ok && !opts.Fragmented {
		if off, err := f.Seek(0, io.SeekCurrent); err == nil {
			wr.file, wr.base = f, off
			for _, t := range wr.tracks {
				t.tab = &table{}
			}
		}
	}
	if wr.file == nil {
		wr.lay.reserve = 0
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
// that come later are dropped, without an error. Without a video track
// the first frame starts the file. keyframe is ignored for audio.
//
// H264 frames are Annex-B access units; they are stored length-prefixed,
// without access unit delimiters, SPS and PPS left in band. AV1 frames
// are temporal units of OBUs with size fields; temporal delimiters are
// removed. VP9 frames (superframes) and Opus packets are stored as they
// are.
//
// Per track, pts must not decrease (ErrNonMonotonic); equal is fine.
// A frame's duration is the time to the next frame of its track, so a
// track may have gaps; the last frame of a video track lasts as long as
// the one before it, the last Opus packet as long as its TOC says.
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
	if t.video && !w.started && !keyframe {
		return ErrWaitingForKeyframe
	}
	if t.started && pts < t.last {
		return fmt.Errorf("%w: track %d: %v after %v", ErrNonMonotonic, track, pts, t.last)
	}
	sample, dur, err := w.payload(t, data, keyframe)
	if err != nil {
		return fmt.Errorf("track %d: %w", track, err)
	}
	if !w.started && !t.video && w.video != nil {
		w.hold(t, sample, pts, dur)
		return nil
	}
	if !w.started {
		// Time 0 is the earliest frame of any track: audio that began a
		// little before the video keyframe stays in the file.
		origin := pts
		for _, f := range w.pending {
			origin = min(origin, f.pts)
		}
		if err := w.start(origin); err != nil {
			return err
		}
		if err := w.accept(t, sample, pts, dur, true); err != nil {
			return err
		}
		return w.flushPending()
	}
	return w.accept(t, sample, pts, dur, keyframe || !t.video)
}

// hold keeps an audio frame that came before the video keyframe,
// forgetting those more than maxHold older.
func (w *Writer) hold(t *track, sample []byte, pts time.Duration, dur uint64) {
	drop := 0
	for drop < len(w.pending) && (w.pending[drop].pts < pts-maxHold || len(w.pending)-drop >= maxPending) {
		drop++
	}
	w.pending = append(w.pending[:0], w.pending[drop:]...)
	w.pending = append(w.pending, pendingFrame{t: t, data: bytes.Clone(sample), pts: pts, dur: dur})
	t.note(pts)
}

func (w *Writer) flushPending() error {
	p := w.pending
	w.pending = nil
	for _, f := range p {
		if f.pts < w.origin {
			continue
		}
		if err := w.add(f.t, f.data, f.pts-w.origin, f.dur, true); err != nil {
			return err
		}
	}
	return nil
}

// start writes the header; pts becomes time 0.
func (w *Writer) start(pts time.Duration) error {
	hdr, err := w.header()
	if err != nil {
		return err
	}
	if err := w.write(hdr); err != nil {
		return err
	}
	w.started, w.origin = true, pts
	return nil
}

// accept records a frame that passed the checks and writes it unless it
// is from before the start.
func (w *Writer) accept(t *track, sample []byte, pts time.Duration, dur uint64, key bool) error {
	if pts < w.origin {
		t.note(pts)
		return nil
	}
	if err := w.add(t, sample, pts-w.origin, dur, key); err != nil {
		return err
	}
	t.note(pts)
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

// encodeErr makes a failure to encode a box sticky: mp4ff refused a box
// this package built, and nothing after it could be right.
func (w *Writer) encodeErr(err error) error {
	w.err = fmt.Errorf("%w: encoding: %w", ErrWrite, err)
	return w.err
}
