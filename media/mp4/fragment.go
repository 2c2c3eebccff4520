package mp4

import (
	"fmt"
	"math"
	"time"

	"github.com/Eyevinn/mp4ff/mp4"
)

const (
	// maxFragment is the longest a fragment gets when keyframes are rare,
	// as they are in WebRTC (only on request): what a crash can lose.
	maxFragment = time.Second
	// maxFragBytes cuts a fragment early at high bitrates. It bounds the
	// memory a fragment takes and the largest box Close may have to move.
	maxFragBytes = 1 << 20
)

// openSample is a track's latest sample. Its duration is the time to the
// next sample of the track, so it waits for that one.
type openSample struct {
	ok   bool
	data []byte // a copy; the buffer is reused
	rel  time.Duration
	dts  uint64 // decode time, in the track's timescale
	key  bool
	dur  uint64 // Opus: the packet's length, for the last one
}

// trackFrag is a track's part of the fragment being built: one trun,
// and its data in the mdat.
type trackFrag struct {
	data    []byte
	samples []mp4.Sample
	dts     uint64 // decode time of the first sample
}

// fragment is what the fragment being built holds, over all tracks.
type fragment struct {
	samples int
	start   time.Duration // time of its first sample
	bytes   int
	seq     uint32 // fragments written
}

// add takes a frame at time rel of the file: the track's open sample gets
// its duration and goes into the fragment, and this frame becomes the
// open one. A video keyframe first ends the fragment.
func (w *Writer) add(t *track, sample []byte, rel time.Duration, dur uint64, key bool) error {
	if rel < 0 { // overflowed: pts >= origin here
		return fmt.Errorf("%w: pts is too far from the start at %v", ErrBadFrame, w.origin)
	}
	dts := t.ticks(rel)
	if t.open.ok {
		if dts-t.open.dts > math.MaxUint32 {
			return fmt.Errorf("%w: a gap of %v after the previous frame", ErrBadFrame, rel-t.open.rel)
		}
		if err := w.commit(t, dts-t.open.dts); err != nil {
			return err
		}
	}
	if t.video && key {
		if err := w.flush(); err != nil {
			return err
		}
	}
	t.open = openSample{ok: true, data: append(t.open.data[:0], sample...), rel: rel, dts: dts, key: key, dur: dur}
	return nil
}

// commit puts the open sample, now that its duration is known, into the
// fragment, first ending the fragment if it spans maxFragment or would
// grow past maxFragBytes.
func (w *Writer) commit(t *track, dur uint64) error {
	o := &t.open
	if w.frag.samples > 0 && (o.rel-w.frag.start >= maxFragment || w.frag.bytes+len(o.data) > maxFragBytes) {
		if err := w.flush(); err != nil {
			return err
		}
	}
	if w.frag.samples == 0 {
		w.frag.start = o.rel
	}
	f := &t.frag
	if len(f.samples) == 0 {
		f.dts = o.dts
	}
	flags := mp4.SyncSampleFlags
	if t.video && !o.key {
		flags = mp4.SetNonSyncSampleFlags(0)
	}
	f.samples = append(f.samples, mp4.Sample{Flags: flags, Dur: uint32(dur), Size: uint32(len(o.data))})
	f.data = append(f.data, o.data...)
	w.frag.samples++
	w.frag.bytes += len(o.data)
	t.interval = dur
	if t.tab != nil {
		t.tab.add(uint32(len(o.data)), uint32(dur), t.video && o.key, o.dts)
	}
	o.ok = false
	return nil
}

// flush writes the fragment built so far, moof and mdat, in one Write.
func (w *Writer) flush() error {
	if w.frag.samples == 0 {
		return nil
	}
	f, err := w.encodeFragment()
	if err != nil {
		return w.encodeErr(err)
	}
	at := w.written
	if err := w.write(w.out.Bytes()); err != nil {
		return err
	}
	off := at + int64(f.Moof.Size()+f.Mdat.HeaderSize())
	for _, t := range w.tracks {
		if len(t.frag.samples) == 0 {
			continue
		}
		if t.tab != nil {
			t.tab.chunk(off, uint32(len(t.frag.samples)))
		}
		off += int64(len(t.frag.data))
		t.frag.samples, t.frag.data = t.frag.samples[:0], t.frag.data[:0]
	}
	if w.file != nil {
		w.frags = append(w.frags, at)
		w.lay.maxFrag = max(w.lay.maxFrag, int64(w.out.Len()))
	}
	w.frag.samples, w.frag.bytes = 0, 0
	return nil
}

// encodeFragment builds the moof and mdat of the fragment into w.out: a
// traf with one trun per track that has samples, whose data follow each
// other in the mdat in track order.
func (w *Writer) encodeFragment() (*mp4.Fragment, error) {
	var ids []uint32
	for _, t := range w.tracks {
		if len(t.frag.samples) > 0 {
			ids = append(ids, t.id)
		}
	}
	w.frag.seq++
	f, err := mp4.CreateMultiTrackFragment(w.frag.seq, ids)
	if err != nil {
		return nil, err
	}
	for _, t := range w.tracks {
		for _, s := range t.frag.samples {
			if err := f.AddSampleToTrack(s, t.id, t.frag.dts); err != nil {
				return nil, err
			}
		}
		if len(t.frag.samples) > 0 {
			f.Mdat.AddSampleDataPart(t.frag.data)
		}
	}
	for _, traf := range f.Moof.Trafs {
		traf.Trun.Flags &^= mp4.TrunSampleCompositionTimeOffsetPresentFlag // no B-frames
		if err := traf.OptimizeTfhdTrun(); err != nil {
			return nil, err
		}
	}
	w.out.Reset()
	return f, f.Encode(&w.out)
}
