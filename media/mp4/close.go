package mp4

import (
	"fmt"
	"io"
	"time"
)

// Close finishes the file. It does not close the destination.
//
// It writes the last fragment: the file is then a complete fragmented
// MP4. A Writer that never started (no video keyframe came) writes a file
// with the tracks and no samples; audio it held is dropped.
//
// If the Writer finishes files in place (see NewWriter), Close then turns
// the file into a regular MP4 whose moov comes before the media, without
// reading the recording back: the moov is built from sample tables kept
// while recording, and the fragments stay where they are, each track's
// samples in each fragment a chunk, all inside one mdat (see finalize).
// If the moov does not fit in the space the header left, the fragments
// first move towards the end of the file, through a 1 MiB buffer (see
// shift). No write Close makes damages the file: until its last, an
// 8-byte write, the file is the fragmented one, whole, and after it the
// regular one. So a crash during Close loses nothing, and if Close fails
// (a file opened write-only or with O_APPEND, a full disk) the fragmented
// file plays.
func (w *Writer) Close() error {
	if w.err == ErrClosed {
		return nil
	}
	defer func() { w.err = ErrClosed }()
	if w.err != nil {
		return w.err
	}
	if !w.started {
		w.pending = nil
		w.placeholders()
		if err := w.start(0); err != nil {
			return err
		}
	}
	if err := w.finishTracks(); err != nil {
		return err
	}
	if w.file == nil {
		return nil
	}
	return w.finalize()
}

// finishTracks gives every track's last sample a duration and writes the
// last fragment. A video frame lasts as long as the one before it, but not
// more than a second, which would be a pause rather than a frame; an Opus
// packet as long as its TOC says.
func (w *Writer) finishTracks() error {
	for _, t := range w.tracks {
		if !t.open.ok {
			continue
		}
		dur := t.open.dur
		if t.video {
			dur = min(t.interval, t.ticks(time.Second))
		}
		if err := w.commit(t, dur); err != nil {
			return err
		}
	}
	return w.flush()
}

// fail makes an error of finishing the file sticky.
func (w *Writer) fail(err error) error {
	w.err = fmt.Errorf("%w: finishing the file: %w", ErrWrite, err)
	return w.err
}

// writeAt overwrites or extends the file at off, from base.
func (w *Writer) writeAt(b []byte, off int64) error {
	if _, err := w.file.WriteAt(b, w.base+off); err != nil {
		return w.fail(err)
	}
	return nil
}

// readAt reads len(b) bytes of the file at off, from base.
func (w *Writer) readAt(b []byte, off int64) error {
	if n, err := w.file.ReadAt(b, w.base+off); n < len(b) {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return w.fail(err)
	}
	return nil
}
