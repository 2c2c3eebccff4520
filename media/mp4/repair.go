package mp4

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/Eyevinn/mp4ff/bits"
	"github.com/Eyevinn/mp4ff/mp4"
)

// Errors of Repair.
var (
	// ErrNotRecording: the file is not an MP4 this package wrote, or it
	// is damaged in a way a crash of the Writer cannot leave it.
	ErrNotRecording = errors.New("mp4: not an MP4 this recorder wrote")
	// ErrNoFrames: the recording has its header but no whole fragment:
	// the Writer died within a second of starting. There is nothing to
	// finish, and the file is left as it is.
	ErrNoFrames = errors.New("mp4: no frames")
)

// RepairResult is what Repair found and did.
type RepairResult struct {
	Tracks    int   // tracks the recording describes
	Samples   int   // samples in the finished file, over all tracks
	Truncated int64 // bytes removed from the end: a torn fragment, or free space an interrupted Close left
	Finished  bool  // the file was a regular MP4 already, and is left as it was
	Changed   bool  // the file was written to (after an error: may have been)
}

// Limits on what Repair reads into memory: the fragmented moov is a
// few KB, a moof some bytes a sample; a torn write is at most one
// fragment, which holds at most MaxFrameSize or maxFragBytes of samples
// and a moof.
const (
	maxLiveMoov = 1 << 20
	maxMoof     = 16 << 20
	maxTorn     = MaxFrameSize + 2*maxFragBytes
	maxOpus     = 1 << 16 // an Opus packet is at most 120 ms of 1275-byte frames
)

// Repair finishes the recording in f that a Writer did not Close (the
// process was killed, the disk filled up, the power went), as Close
// would have: a regular MP4 with its moov in front, made in place with
// the same layout, the same edit lists and the same care that every
// write leaves a file that plays. f must be open for reading and
// writing, and hold the recording from offset 0.
//
// While recording, the file is fragmented (see Writer): Repair reads
// the fragments' moofs, not the media, to rebuild each track's sample
// table. A last fragment the crash cut short is removed (the file is
// truncated at the end of the last whole one), as is free space left at
// the end by a Close that was itself interrupted. The last sample of a
// track lasts as Close would have it: a video frame as long as the one
// before it (at most a second), an Opus packet as long as its TOC says.
//
// A file that is a regular MP4 already (a finished recording, or one
// Repair finished) is left as it is, and RepairResult.Finished says so.
// A recording without a whole fragment is left as it is with
// ErrNoFrames. A file that is not one this package writes, or is
// damaged beyond a torn write at its end, gives an error wrapping
// ErrNotRecording that says what is wrong, and is not written to.
// Nothing is written until the repair is planned in full; if a write
// then fails (ErrWrite), the file is still the fragmented recording,
// whole but for what was torn.
//
// A fragmented file looks the same whether its Writer died or closed it
// with Options.Fragmented (or wrote it to a pipe): Repair finishes those
// into regular MP4s too. The file must not be open in a running Writer.
func Repair(f *os.File) (RepairResult, error) {
	var res RepairResult
	st, err := f.Stat()
	if err != nil {
		return res, err
	}
	if !st.Mode().IsRegular() {
		return res, notRecording("%s is not a regular file", st.Name())
	}
	r := &repairer{f: f, size: st.Size()}
	if err := r.header(); err != nil {
		return res, err
	}
	if r.finished {
		res.Finished = true
		return res, nil
	}
	res.Tracks = len(r.tracks)
	if err := r.fragments(); err != nil {
		return res, err
	}
	if len(r.units) == 0 {
		return res, fmt.Errorf("%w: the recording ends at offset %d, before its first whole fragment", ErrNoFrames, r.data)
	}
	w, err := r.writer()
	if err != nil {
		return res, err
	}
	for _, t := range w.tracks {
		res.Samples += len(t.tab.sizes)
	}
	fin, front, mdatHdr, err := w.prepare()
	if err != nil {
		return res, err
	}
	if room := w.lay.data - w.lay.moovEnd; room+fin.shift > math.MaxUint32 {
		return res, notRecording("%d bytes of free space after the moov", room)
	}

	// A file open with O_APPEND cannot be written in place (os.File
	// refuses WriteAt, even of nothing): know it before truncating.
	if _, err := f.WriteAt(nil, 0); err != nil {
		return res, fmt.Errorf("%w: %w", ErrWrite, err)
	}
	// Every write from here leaves a file that plays.
	if r.end < r.size {
		if err := f.Truncate(r.end); err != nil {
			return res, fmt.Errorf("%w: removing the torn end: %w", ErrWrite, err)
		}
		res.Truncated = r.size - r.end
	}
	res.Changed = true
	if r.frees > 1 { // one free box from the moov to the fragments
		if _, err := f.WriteAt(binary.BigEndian.AppendUint32(nil, uint32(r.data-r.moovEnd)), r.moovEnd); err != nil {
			return res, fmt.Errorf("%w: %w", ErrWrite, err)
		}
	}
	if err := w.finish(fin, front, mdatHdr); err != nil {
		return res, err
	}
	if err := f.Sync(); err != nil {
		return res, fmt.Errorf("%w: %w", ErrWrite, err)
	}
	return res, nil
}

func notRecording(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrNotRecording}, args...)...)
}

// repairer is what Repair learns of the file, in the order it reads it.
type repairer struct {
	f    *os.File
	size int64

	finished bool // the moov has no mvex: a regular file
	moov     int64
	moovEnd  int64
	trexs    []*mp4.TrexBox
	tracks   []*track
	video    *track

	data  int64    // the first fragment's offset: the end of the free boxes after the moov
	frees int      // how many free boxes there are from moovEnd to data
	units []int64  // offset of each whole fragment, with the free boxes after it
	end   int64    // end of the last whole fragment
	seq   uint32   // sequence number of the last fragment
	next  []uint64 // per track: the decode time of its next sample
	seen  []bool   // per track: it has a sample
	last  []int64  // per track: the offset of its last sample
}

// boxAt is a top-level box's place: its type, where it starts, its
// size and the size of its header.
type boxAt struct {
	typ          string
	at, size, hd int64
}

func (b boxAt) end() int64 { return b.at + b.size }

// box reads the header of the box at off. ok is false when there is no
// whole box there: the file ends first, or the header is not one.
func (r *repairer) box(off, limit int64) (b boxAt, ok bool, err error) {
	var h [16]byte
	if limit-off < 8 {
		return b, false, nil
	}
	if err := r.readAt(h[:8], off); err != nil {
		return b, false, err
	}
	b = boxAt{typ: string(h[4:8]), at: off, size: int64(binary.BigEndian.Uint32(h[:4])), hd: 8}
	if b.size == 1 {
		if limit-off < 16 {
			return b, false, nil
		}
		if err := r.readAt(h[8:16], off+8); err != nil {
			return b, false, err
		}
		u := binary.BigEndian.Uint64(h[8:16])
		if u > math.MaxInt64 {
			return b, false, nil
		}
		b.size, b.hd = int64(u), 16
	}
	// A size of 0 (to the end of the file) is never written here; in a
	// recording it is zeroed space a power cut left.
	return b, b.size >= b.hd && b.size <= limit-off, nil
}

func (r *repairer) readAt(b []byte, off int64) error {
	if n, err := r.f.ReadAt(b, off); n < len(b) {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	return nil
}

func (r *repairer) read(b boxAt) ([]byte, error) {
	buf := make([]byte, b.size)
	return buf, r.readAt(buf, b.at)
}

// header reads the ftyp and the moov: a regular file's moov, or the
// fragmented header of a recording, whose tracks it takes.
func (r *repairer) header() error {
	if r.size == 0 {
		return notRecording("the file is empty")
	}
	ftyp, ok, err := r.box(0, r.size)
	if err != nil {
		return err
	}
	if !ok || ftyp.typ != "ftyp" {
		return notRecording("no ftyp box at its start")
	}
	moov, ok, err := r.box(ftyp.end(), r.size)
	if err != nil {
		return err
	}
	if !ok || moov.typ != "moov" {
		return r.regular(ftyp.end())
	}
	live, err := r.hasMvex(moov)
	if err != nil {
		return err
	}
	if !live {
		return r.regular(ftyp.end())
	}
	if moov.size > maxLiveMoov {
		return notRecording("a fragmented moov of %d bytes", moov.size)
	}
	r.moov, r.moovEnd = moov.at, moov.end()
	return r.tracksOf(moov)
}

// hasMvex tells whether the moov has an mvex, which makes the file
// fragmented, walking its children's headers.
func (r *repairer) hasMvex(moov boxAt) (bool, error) {
	for off := moov.at + moov.hd; off < moov.end(); {
		b, ok, err := r.box(off, moov.end())
		if err != nil {
			return false, err
		}
		if !ok {
			return false, notRecording("the moov at offset %d: a broken box at offset %d", moov.at, off)
		}
		if b.typ == "mvex" {
			return true, nil
		}
		off = b.end()
	}
	return false, nil
}

// regular checks that a file whose header is not a recording's is a
// regular MP4: a moov without mvex, and no fragments.
func (r *repairer) regular(off int64) error {
	var moov bool
	for {
		b, ok, err := r.box(off, r.size)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		switch b.typ {
		case "moof":
			return notRecording("a fragment at offset %d and no fragmented moov before it", b.at)
		case "moov":
			live, err := r.hasMvex(b)
			if err != nil {
				return err
			}
			if live {
				return notRecording("a fragmented moov at offset %d, not after the ftyp", b.at)
			}
			moov = true
		}
		off = b.end()
	}
	if !moov {
		if b, ok, _ := r.box(off, math.MaxInt64); ok && b.typ == "moov" {
			return notRecording("the moov at offset %d is cut off at %d bytes of %d", off, r.size-off, b.size)
		}
		return notRecording("no moov box")
	}
	r.finished = true
	return nil
}

// decode decodes a box read whole with mp4ff. Its decoders check sizes
// against the box; a panic in one is taken as the error it should be.
func decode(b []byte, at int64) (box mp4.Box, err error) {
	defer func() {
		if p := recover(); p != nil {
			box, err = nil, fmt.Errorf("mp4ff: %v", p)
		}
	}()
	return mp4.DecodeBoxSR(uint64(at), bits.NewFixedSliceReader(b))
}

// tracksOf takes the tracks from the fragmented moov: as the Writer
// wrote them, numbered from 1, video (H264, AV1, VP9) at 90 kHz, Opus
// at 48 kHz, with empty sample tables and a trex each.
func (r *repairer) tracksOf(at boxAt) error {
	b, err := r.read(at)
	if err != nil {
		return err
	}
	box, err := decode(b, at.at)
	if err != nil {
		return notRecording("the moov: %v", err)
	}
	moov, ok := box.(*mp4.MoovBox)
	if !ok || moov.Mvhd == nil || moov.Mvex == nil {
		return notRecording("the moov has no mvhd")
	}
	if moov.Mvhd.Timescale != movieTimescale {
		return notRecording("a movie timescale of %d", moov.Mvhd.Timescale)
	}
	if len(moov.Traks) == 0 {
		return notRecording("no tracks")
	}
	for i, trak := range moov.Traks {
		t, err := trackOf(i, trak)
		if err != nil {
			return notRecording("track %d: %v", i+1, err)
		}
		if t.video {
			if r.video != nil {
				return notRecording("track %d: a second video track", i+1)
			}
			r.video = t
		}
		trex, ok := moov.Mvex.GetTrex(t.id)
		if !ok {
			return notRecording("track %d: no trex", i+1)
		}
		r.tracks, r.trexs = append(r.tracks, t), append(r.trexs, trex)
	}
	return nil
}

// trackOf rebuilds the track the Writer wrote as trak.
func trackOf(i int, trak *mp4.TrakBox) (*track, error) {
	if trak.Tkhd == nil || trak.Mdia == nil || trak.Mdia.Mdhd == nil || trak.Mdia.Hdlr == nil ||
		trak.Mdia.Minf == nil || trak.Mdia.Minf.Stbl == nil || trak.Mdia.Minf.Stbl.Stsd == nil {
		return nil, errors.New("a box of the trak is missing")
	}
	if trak.Tkhd.TrackID != uint32(i+1) {
		return nil, fmt.Errorf("track_ID %d", trak.Tkhd.TrackID)
	}
	stbl := trak.Mdia.Minf.Stbl
	if stbl.Stsz != nil && stbl.Stsz.SampleNumber > 0 || stbl.Stco != nil && len(stbl.Stco.ChunkOffset) > 0 {
		return nil, errors.New("samples in the fragmented moov")
	}
	if len(stbl.Stsd.Children) != 1 {
		return nil, fmt.Errorf("%d sample entries", len(stbl.Stsd.Children))
	}
	entry := stbl.Stsd.Children[0]
	codec, handler, timescale := "", "vide", uint32(videoTimescale)
	switch entry.Type() {
	case "avc1":
		codec = CodecH264
	case "av01":
		codec = CodecAV1
	case "vp09":
		codec = CodecVP9
	case "Opus":
		codec, handler, timescale = CodecOpus, "soun", opusRate
	default:
		return nil, fmt.Errorf("a %q sample entry", entry.Type())
	}
	if trak.Mdia.Hdlr.HandlerType != handler || trak.Mdia.Mdhd.Timescale != timescale {
		return nil, fmt.Errorf("%s with a %q handler at %d Hz", codec, trak.Mdia.Hdlr.HandlerType, trak.Mdia.Mdhd.Timescale)
	}
	return &track{
		id:        uint32(i + 1),
		codec:     codec,
		video:     handler == "vide",
		timescale: timescale,
		width:     int(trak.Tkhd.Width >> 16),
		height:    int(trak.Tkhd.Height >> 16),
		entry:     entry,
		tab:       &table{},
	}, nil
}

// fragments walks the boxes after the moov: the free boxes of the
// reserve, then fragments (a moof and its mdat) with free boxes between
// them where an interrupted Close left some. It stops at the first box
// that is not a whole fragment or free box: what follows must be what a
// torn write leaves (see torn).
func (r *repairer) fragments() error {
	off := r.moovEnd
	for {
		b, ok, err := r.box(off, r.size)
		if err != nil {
			return err
		}
		if !ok || b.typ != "free" {
			break
		}
		off, r.frees = b.end(), r.frees+1
	}
	r.data, r.end = off, off
	r.next, r.seen, r.last = make([]uint64, len(r.tracks)), make([]bool, len(r.tracks)), make([]int64, len(r.tracks))
	for off < r.size {
		b, ok, err := r.box(off, r.size)
		if err != nil {
			return err
		}
		if !ok {
			return r.torn(off, "free", "moof")
		}
		if b.typ == "free" {
			off = b.end()
			continue
		}
		if b.typ != "moof" {
			return notRecording("at offset %d: a %q box", off, b.typ)
		}
		mdat, ok, err := r.box(b.end(), r.size)
		if err != nil {
			return err
		}
		if !ok {
			if err := r.torn(b.end(), "mdat"); err != nil {
				return err
			}
			return r.tornSize(off)
		}
		if mdat.typ != "mdat" {
			return notRecording("at offset %d: a moof followed by a %q box", off, mdat.typ)
		}
		if err := r.fragment(b, mdat); err != nil {
			return notRecording("the fragment at offset %d: %v", off, err)
		}
		r.units = append(r.units, b.at)
		r.end, off = mdat.end(), mdat.end()
	}
	return nil
}

// torn checks that the file from off to its end is the start of a box
// cut short, of one of the types a write the Writer makes starts with;
// or zeros, which is what a power cut can leave of writes the disk had
// not made.
func (r *repairer) torn(off int64, types ...string) error {
	if err := r.tornSize(off); err != nil {
		return err
	}
	var h [8]byte
	if r.size-off < int64(len(h)) {
		return nil
	}
	if err := r.readAt(h[:], off); err != nil {
		return err
	}
	for _, typ := range types {
		if string(h[4:]) == typ {
			return nil
		}
	}
	zero, err := r.zeros(off)
	if err != nil || zero {
		return err
	}
	return notRecording("at offset %d: %d bytes that are not a box", off, r.size-off)
}

// tornSize checks that what is left from off is not more than the
// largest write the Writer makes, a fragment, unless it is all zeros.
func (r *repairer) tornSize(off int64) error {
	if r.size-off <= maxTorn {
		return nil
	}
	zero, err := r.zeros(off)
	if err != nil || zero {
		return err
	}
	return notRecording("at offset %d: %d bytes to the end that are not whole boxes, more than a torn write leaves", off, r.size-off)
}

// zeros tells whether the file is all zeros from off to its end.
func (r *repairer) zeros(off int64) (bool, error) {
	buf := make([]byte, min(r.size-off, 1<<16))
	for ; off < r.size; off += int64(len(buf)) {
		b := buf[:min(int64(len(buf)), r.size-off)]
		if err := r.readAt(b, off); err != nil {
			return false, err
		}
		for _, c := range b {
			if c != 0 {
				return false, nil
			}
		}
	}
	return true, nil
}

// fragTrack is a track's samples in a fragment, before it is taken.
type fragTrack struct {
	t       int // index in tracks
	dts     uint64
	offset  int64 // of the first sample in the file
	samples []mp4.Sample
}

// fragment checks a fragment is one the Writer wrote and adds its
// samples to the tables: a traf per track that has samples, in track
// order, one trun each, whose data follow each other in the mdat, and
// decode times that go on from the track's previous fragment.
func (r *repairer) fragment(b, mdat boxAt) error {
	if b.size > maxMoof {
		return fmt.Errorf("a moof of %d bytes", b.size)
	}
	buf, err := r.read(b)
	if err != nil {
		return err
	}
	box, err := decode(buf, b.at)
	if err != nil {
		return fmt.Errorf("moof: %w", err)
	}
	moof, ok := box.(*mp4.MoofBox)
	if !ok || moof.Mfhd == nil || len(moof.Trafs) == 0 {
		return errors.New("a moof without mfhd or traf")
	}
	if moof.Mfhd.SequenceNumber != r.seq+1 {
		return fmt.Errorf("fragment %d after fragment %d", moof.Mfhd.SequenceNumber, r.seq)
	}
	var parts []fragTrack
	pos := b.size + mdat.hd // where the next traf's data must start, from the moof
	for _, traf := range moof.Trafs {
		if traf.Tfhd == nil || traf.Tfdt == nil || len(traf.Truns) != 1 {
			return errors.New("a traf without tfhd, tfdt or one trun")
		}
		id := traf.Tfhd.TrackID
		if id == 0 || id > uint32(len(r.tracks)) || len(parts) > 0 && int(id) <= parts[len(parts)-1].t+1 {
			return fmt.Errorf("a traf of track %d", id)
		}
		i := int(id) - 1
		tfhd, trun := traf.Tfhd, traf.Trun
		const base = mp4.TfhdBaseDataOffsetPresentFlag | mp4.TfhdDefaultBaseIsMoofFlag
		if tfhd.Flags&base != mp4.TfhdDefaultBaseIsMoofFlag || tfhd.HasSampleDescriptionIndex() && tfhd.SampleDescriptionIndex != 1 {
			return fmt.Errorf("track %d: tfhd flags %#x", id, tfhd.Flags)
		}
		if !trun.HasDataOffset() || trun.HasSampleCompositionTimeOffset() || trun.SampleCount() == 0 {
			return fmt.Errorf("track %d: trun flags %#x, %d samples", id, trun.Flags, trun.SampleCount())
		}
		trun.AddSampleDefaultValues(tfhd, r.trexs[i])
		if int64(trun.DataOffset) != pos {
			return fmt.Errorf("track %d: data at %d in the moof, not %d", id, trun.DataOffset, pos)
		}
		dts := traf.Tfdt.BaseMediaDecodeTime()
		if r.seen[i] && dts != r.next[i] {
			return fmt.Errorf("track %d: decode time %d, not %d", id, dts, r.next[i])
		}
		for _, s := range trun.Samples {
			if s.Size == 0 || s.Size > MaxFrameSize {
				return fmt.Errorf("track %d: a sample of %d bytes", id, s.Size)
			}
			pos += int64(s.Size)
		}
		parts = append(parts, fragTrack{t: i, dts: dts, offset: b.at + int64(trun.DataOffset), samples: trun.Samples})
	}
	if pos != b.size+mdat.size {
		return fmt.Errorf("samples of %d bytes in an mdat of %d", pos-b.size-mdat.hd, mdat.size-mdat.hd)
	}
	r.seq = moof.Mfhd.SequenceNumber
	for _, p := range parts {
		t := r.tracks[p.t]
		if !r.seen[p.t] {
			r.seen[p.t], r.next[p.t] = true, p.dts
		}
		off := p.offset
		for _, s := range p.samples {
			t.tab.add(s.Size, s.Dur, t.video && s.Flags&mp4.NonSyncSampleFlags == 0, r.next[p.t])
			r.next[p.t] += uint64(s.Dur)
			r.last[p.t] = off
			off += int64(s.Size)
		}
		t.tab.chunk(p.offset, uint32(len(p.samples)))
	}
	return nil
}

// writer is a Writer in the state Close leaves it before it finalizes:
// every sample written, the last of each track lasting as Close has it.
func (r *repairer) writer() (*Writer, error) {
	w := &Writer{
		file:    r.f,
		tracks:  r.tracks,
		video:   r.video,
		written: r.end,
		frags:   r.units,
		lay:     layout{moov: r.moov, moovEnd: r.moovEnd, data: r.data, maxStco: math.MaxUint32},
	}
	for i, at := range r.units {
		next := r.end
		if i+1 < len(r.units) {
			next = r.units[i+1]
		}
		w.lay.maxFrag = max(w.lay.maxFrag, next-at)
	}
	for i, t := range r.tracks {
		tb := t.tab
		if len(tb.sizes) == 0 {
			continue
		}
		// A sample alone in its track keeps the duration it was written with.
		dur := tb.lastDuration()
		if t.video {
			if prev, ok := tb.previousDuration(); ok {
				dur = prev
			}
			dur = min(dur, uint32(t.ticks(time.Second)))
		} else if size := tb.sizes[len(tb.sizes)-1]; size <= maxOpus {
			packet := make([]byte, size)
			if err := r.readAt(packet, r.last[i]); err != nil {
				return nil, err
			}
			if d, err := opusDuration(packet); err == nil {
				dur = uint32(d)
			}
		}
		tb.setLastDuration(dur)
	}
	return w, nil
}

// lastDuration is the duration of the last sample.
func (tb *table) lastDuration() uint32 { return tb.stts[len(tb.stts)-1].delta }

// previousDuration is the duration of the sample before the last, if
// there is one.
func (tb *table) previousDuration() (uint32, bool) {
	n := len(tb.stts)
	switch {
	case tb.stts[n-1].count > 1:
		return tb.stts[n-1].delta, true
	case n > 1:
		return tb.stts[n-2].delta, true
	}
	return 0, false
}

// setLastDuration gives the last sample the duration d: the table is
// then as if add had been given d for it.
func (tb *table) setLastDuration(d uint32) {
	n := len(tb.stts)
	last := tb.stts[n-1]
	if last.delta == d {
		return
	}
	tb.duration = tb.duration - uint64(last.delta) + uint64(d)
	if last.count > 1 {
		tb.stts[n-1].count--
		tb.stts = append(tb.stts, sttsRun{1, d})
		return
	}
	tb.stts = tb.stts[:n-1]
	if n > 1 && tb.stts[n-2].delta == d && tb.stts[n-2].count < math.MaxUint32 {
		tb.stts[n-2].count++
		return
	}
	tb.stts = append(tb.stts, sttsRun{1, d})
}
