package mkv

import (
	"fmt"
	"io"
	"time"

	"github.com/at-wat/ebml-go"
	"github.com/at-wat/ebml-go/webm"
)

// Close finishes the file. It does not close the destination.
//
// A Writer that never started (no video keyframe came) writes a file with
// the tracks and no frames; audio it held is dropped. If the destination
// can seek, Close appends the Cues (one cue per cluster that starts at a
// video keyframe) and fills in what was left open: the Segment and
// Cluster sizes, the Duration (the end of the last frame) and the
// SeekHead entry for the Cues. Each of these writes leaves a valid file,
// so a crash during Close loses nothing. Otherwise the file stays a live
// recording, which players read to the end but seek in slowly.
func (w *Writer) Close() error {
	if w.err == ErrClosed {
		return nil
	}
	defer func() { w.err = ErrClosed }()
	if w.err != nil {
		return w.err
	}
	if !w.started {
		if err := w.writeEmpty(); err != nil {
			return err
		}
	}
	if w.seeker == nil {
		return nil
	}
	return w.finish()
}

func (w *Writer) finish() error {
	clustersEnd := w.written
	if len(w.cues) > 0 {
		if err := w.write(marshal(&struct {
			Cues webm.Cues `ebml:"Cues"`
		}{webm.Cues{CuePoint: w.cues}})); err != nil {
			return err
		}
		seek := marshal(&struct {
			Seek seekEntry `ebml:"Seek"`
		}{seekEntry{SeekID: ebml.ElementCues.Bytes(), SeekPosition: uint64(clustersEnd - w.lay.segmentData)}})
		if err := w.patch(w.lay.cuesSeek, seek); err != nil {
			return err
		}
	}
	if d := w.duration(); d > 0 {
		dur := marshal(&struct {
			Duration float64 `ebml:"Duration"`
		}{float64(d) / timecodeScale})
		if err := w.patch(w.lay.duration, dur); err != nil {
			return err
		}
	}
	for i, c := range w.clusters {
		next := clustersEnd
		if i+1 < len(w.clusters) {
			next = w.clusters[i+1]
		}
		if err := w.patch(c+idSize, sizeField(uint64(next-c-idSize-sizeLen))); err != nil {
			return err
		}
	}
	if err := w.patch(w.lay.segmentData-sizeLen, sizeField(uint64(w.written-w.lay.segmentData))); err != nil {
		return err
	}
	if _, err := w.seeker.Seek(w.base+w.written, io.SeekStart); err != nil {
		return w.fail(err)
	}
	return nil
}

// writeEmpty writes the header and an empty Cluster: without a Cluster
// ffmpeg, looking for one, reads the header again from the wrong offsets
// and reports errors (it does so for its own empty files too).
func (w *Writer) writeEmpty() error {
	if err := w.start(0); err != nil {
		return err
	}
	w.clusters = append(w.clusters, w.written)
	w.inCluster = true
	return w.write(marshal(&struct {
		Cluster clusterHead `ebml:"Cluster,size=unknown"`
	}{}))
}

// duration is where the last frame of any track ends.
func (w *Writer) duration() time.Duration {
	var d time.Duration
	for _, t := range w.tracks {
		if t.written {
			d = max(d, t.end())
		}
	}
	return d
}

// patch overwrites bytes written earlier, at offset off.
func (w *Writer) patch(off int64, b []byte) error {
	if _, err := w.seeker.Seek(w.base+off, io.SeekStart); err != nil {
		return w.fail(err)
	}
	if _, err := w.seeker.Write(b); err != nil {
		return w.fail(err)
	}
	return nil
}

func (w *Writer) fail(err error) error {
	w.err = fmt.Errorf("%w: finishing the file: %w", ErrWrite, err)
	return w.err
}
