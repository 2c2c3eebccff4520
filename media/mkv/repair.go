package mkv

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/at-wat/ebml-go/webm"
)

// RepairResult is what Repair found and did.
type RepairResult struct {
	Clusters  int
	Blocks    int
	Truncated int64 // bytes of a block the crash cut off, removed
	Duration  time.Duration
	Finished  bool // the file was already finished: nothing to do
}

// ErrNotOurs is a file Repair does not take: not WebM or Matroska as this
// package writes it.
var ErrNotOurs = errors.New("mkv: not a recording this recorder wrote")

// Element IDs Repair reads.
const (
	idEBML        = 0x1A45DFA3
	idSegment     = 0x18538067
	idSeekHead    = 0x114D9B74
	idInfo        = 0x1549A966
	idTracks      = 0x1654AE6B
	idCluster     = 0x1F43B675
	idCues        = 0x1C53BB6B
	idVoid        = 0xEC
	idDuration    = 0x4489
	idTimecode    = 0xE7
	idSimpleBlock = 0xA3
	idTrackEntry  = 0xAE
	idTrackNumber = 0xD7
	idTrackType   = 0x83
)

// Repair finishes a WebM or Matroska recording whose writer died before
// Close: it cuts off a block the crash left incomplete, then does what
// Close does, in place: Cues, Duration, the Segment's and Clusters'
// sizes. A finished file is left as it is. Nothing is written until the
// whole file has been read and understood.
func Repair(f *os.File) (RepairResult, error) {
	var res RepairResult
	st, err := f.Stat()
	if err != nil {
		return res, err
	}
	r := &reader{f: f, size: st.Size()}
	lay, tracks, first, finished, err := r.head()
	if err != nil {
		return res, err
	}
	if finished {
		res.Finished = true
		return res, nil
	}
	w := &Writer{seeker: f, lay: lay, tracks: tracks}
	for _, t := range tracks {
		if t.codec.video {
			w.video = t
		}
	}
	end, err := r.clusters(w, first, &res)
	if err != nil {
		return res, err
	}
	res.Truncated = st.Size() - end
	if res.Truncated > 0 {
		if err := f.Truncate(end); err != nil {
			return res, err
		}
	}
	w.written, w.dst = end, f
	if _, err := f.Seek(end, io.SeekStart); err != nil {
		return res, err
	}
	res.Duration = w.duration()
	return res, w.finish()
}

// reader walks the elements of a file.
type reader struct {
	f    *os.File
	size int64
}

// element reads the ID and size at off; unknown is an unknown size.
func (r *reader) element(off int64) (id uint64, data, size int64, unknown bool, err error) {
	var b [12]byte
	n, _ := r.f.ReadAt(b[:], off)
	idLen, id, ok := vint(b[:n], true)
	if !ok {
		return 0, 0, 0, false, io.ErrUnexpectedEOF
	}
	sizeLen, sz, ok := vint(b[idLen:n], false)
	if !ok {
		return 0, 0, 0, false, io.ErrUnexpectedEOF
	}
	unknown = sz == 1<<(7*sizeLen)-1
	return id, off + int64(idLen+sizeLen), int64(sz), unknown, nil
}

// vint decodes an EBML variable-length integer; an ID keeps its marker.
func vint(b []byte, keepMarker bool) (int, uint64, bool) {
	if len(b) == 0 || b[0] == 0 {
		return 0, 0, false
	}
	n := 1
	for b[0]&(0x80>>(n-1)) == 0 {
		n++
	}
	if n > len(b) || n > 8 {
		return 0, 0, false
	}
	v := uint64(b[0])
	if !keepMarker {
		v &= uint64(0xff >> n)
	}
	for _, c := range b[1:n] {
		v = v<<8 | uint64(c)
	}
	return n, v, true
}

// head reads up to the first Cluster: where Close's patches go, the
// tracks, and whether the file is finished already.
func (r *reader) head() (lay layout, tracks []*track, first int64, finished bool, err error) {
	id, data, size, _, err := r.element(0)
	if err != nil || id != idEBML {
		return lay, nil, 0, false, fmt.Errorf("%w: no EBML header", ErrNotOurs)
	}
	id, data, _, unknown, err := r.element(data + size)
	if err != nil || id != idSegment {
		return lay, nil, 0, false, fmt.Errorf("%w: no Segment", ErrNotOurs)
	}
	if !unknown {
		return lay, nil, 0, true, nil // Close gave it its size
	}
	lay.segmentData = data
	for off := data; off < r.size; {
		id, body, size, unknown, err := r.element(off)
		if err != nil || unknown && id != idCluster {
			return lay, nil, 0, false, fmt.Errorf("%w: bad element at %d", ErrNotOurs, off)
		}
		switch id {
		case idSeekHead:
			lay.cuesSeek = r.find(body, size, idVoid)
		case idInfo:
			lay.duration = r.find(body, size, idVoid)
		case idTracks:
			tracks = r.tracks(body, size)
		case idCluster:
			if lay.cuesSeek <= 0 || lay.duration <= 0 || len(tracks) == 0 {
				return lay, nil, 0, false, fmt.Errorf("%w: no room left for the Cues and Duration", ErrNotOurs)
			}
			return lay, tracks, off, false, nil
		}
		off = body + size
	}
	return lay, nil, 0, false, fmt.Errorf("%w: no Cluster", ErrNotOurs)
}

// find is the offset of the first child with id in [body, body+size), or 0.
func (r *reader) find(body, size, want int64) int64 {
	for off := body; off < body+size; {
		id, data, sz, _, err := r.element(off)
		if err != nil {
			return 0
		}
		if int64(id) == want {
			return off
		}
		off = data + sz
	}
	return 0
}

// tracks reads the TrackEntries: their numbers and which is video.
func (r *reader) tracks(body, size int64) []*track {
	var tracks []*track
	for off := body; off < body+size; {
		id, data, sz, _, err := r.element(off)
		if err != nil {
			return nil
		}
		if id == idTrackEntry {
			t := &track{entry: webm.TrackEntry{TrackNumber: r.uint(data, sz, idTrackNumber)}}
			t.codec.video = r.uint(data, sz, idTrackType) == 1
			tracks = append(tracks, t)
		}
		off = data + sz
	}
	return tracks
}

// uint reads the unsigned integer child id of [body, body+size).
func (r *reader) uint(body, size int64, id uint64) uint64 {
	off := r.find(body, size, int64(id))
	if off == 0 {
		return 0
	}
	_, data, sz, _, err := r.element(off)
	if err != nil {
		return 0
	}
	return r.uintAt(data, sz)
}

// clusters reads the Clusters from off as Close's bookkeeping would have
// them (offsets, cues, where each track ends) and returns where the last
// whole element ends.
func (r *reader) clusters(w *Writer, off int64, res *RepairResult) (int64, error) {
	var clusterTime int64
	firstInCluster := false
	for off < r.size {
		id, body, size, unknown, err := r.element(off)
		if err != nil || !unknown && body+size > r.size {
			return off, nil // cut off by the crash
		}
		switch {
		case id == idCluster:
			w.clusters = append(w.clusters, off)
			res.Clusters++
			firstInCluster = true
			off = body
			continue
		case id == idCues:
			return off, nil // an interrupted Close wrote these; they are written again
		case id == idTimecode && len(w.clusters) > 0:
			clusterTime = int64(r.uintAt(body, size))
		case id == idSimpleBlock && len(w.clusters) > 0:
			if err := r.block(w, body, size, clusterTime, firstInCluster); err != nil {
				return off, err
			}
			res.Blocks++
			firstInCluster = false
		}
		off = body + size
	}
	return off, nil
}

// uintAt reads the unsigned integer of size bytes at body.
func (r *reader) uintAt(body, size int64) uint64 {
	if size > 8 || size < 0 {
		return 0
	}
	b := make([]byte, size)
	r.f.ReadAt(b, body)
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// block reads a SimpleBlock's header: its track, time and keyframe flag.
func (r *reader) block(w *Writer, body, size, clusterTime int64, firstInCluster bool) error {
	var b [12]byte
	n, _ := r.f.ReadAt(b[:min(int64(len(b)), size)], body)
	l, num, ok := vint(b[:n], false)
	if !ok || n < l+3 {
		return fmt.Errorf("%w: a bad SimpleBlock at %d", ErrNotOurs, body)
	}
	rel := time.Duration(clusterTime+int64(int16(uint16(b[l])<<8|uint16(b[l+1])))) * time.Millisecond
	key := b[l+2]&0x80 != 0
	for _, t := range w.tracks {
		if t.entry.TrackNumber != num {
			continue
		}
		// A frame lasts until the next; the last one as long as the one
		// before (for Opus, the packet length the file keeps to).
		var dur time.Duration
		if t.written {
			t.interval = rel - t.lastRel
			dur = min(t.interval, time.Second)
		}
		t.wrote(rel, dur)
		if firstInCluster && key && (t == w.video || w.video == nil) {
			w.cues = append(w.cues, webm.CuePoint{CueTime: uint64(rel / time.Millisecond),
				CueTrackPositions: []webm.CueTrackPosition{{CueTrack: num,
					CueClusterPosition: uint64(w.clusters[len(w.clusters)-1] - w.lay.segmentData)}}})
		}
	}
	return nil
}
