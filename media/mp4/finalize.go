package mp4

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
)

// Layout of the regular file Close makes (offsets before any shift):
//
//	ftyp
//	free    the fragmented moov, and the reserve's 8-byte header
//	moov    the final one, written inside the reserve
//	free    what is left of the reserve (and of the shift), if anything
//	mdat    every fragment, moof and mdat, as its payload
//
// The fragments stay where they are (or all move by the same shift), and
// each track's samples in each fragment's mdat are a chunk of the final
// file. Enclosed in one mdat, the moofs are data no reader looks at.
//
// Nothing a reader can reach is written over until the last write, which
// makes the new layout valid at once: the final moov and the mdat header
// go into the payload of the reserve (a free box), and then one 8-byte
// free header over the fragmented moov's makes the reserve's header part
// of a free box, and the final moov the file's moov.

// finalize turns the fragmented file into a regular one in place.
func (w *Writer) finalize() error {
	fin, front, mdatHdr, err := w.prepare()
	if err != nil {
		return err
	}
	return w.finish(fin, front, mdatHdr)
}

// prepare plans the regular file and builds its front, the final moov
// and the free box after it, without writing anything.
func (w *Writer) prepare() (fin final, front, mdatHdr []byte, err error) {
	fin, mdatHdr = w.plan()
	room := w.lay.data - w.lay.moovEnd
	front, err = w.front(fin, room+fin.shift-8-int64(len(mdatHdr)))
	return fin, front, mdatHdr, err
}

// finish makes the writes that turn the file into the regular one
// prepare planned.
func (w *Writer) finish(fin final, front, mdatHdr []byte) error {
	room := w.lay.data - w.lay.moovEnd // the reserve: 0 or at least 8
	if fin.shift > 0 {
		if err := w.shift(fin.shift); err != nil {
			return err
		}
		if room > 0 { // the reserve swallows the free box the shift left
			if err := w.writeAt(binary.BigEndian.AppendUint32(nil, uint32(room+fin.shift)), w.lay.moovEnd); err != nil {
				return err
			}
		}
	}
	if err := w.writeAt(front, w.lay.moovEnd+8); err != nil {
		return err
	}
	if err := w.writeAt(mdatHdr, w.lay.data+fin.shift-int64(len(mdatHdr))); err != nil {
		return err
	}
	// The commit.
	if err := w.writeAt(freeHeader(w.lay.moovEnd+8-w.lay.moov), w.lay.moov); err != nil {
		return err
	}
	if _, err := w.file.Seek(w.base+w.written+fin.shift, io.SeekStart); err != nil {
		return w.fail(err)
	}
	return nil
}

// front is the final moov and a free box filling the rest of space bytes.
func (w *Writer) front(fin final, space int64) ([]byte, error) {
	var b bytes.Buffer
	if err := w.moov(&fin).Encode(&b); err != nil {
		return nil, w.fail(err)
	}
	if left := space - int64(b.Len()); left > 0 {
		b.Write(freeHeader(left))
	}
	return b.Bytes(), nil
}

// plan chooses how far the fragments move, whether chunk offsets need 64
// bits, and the header of the mdat that will enclose the fragments. The
// moov and that header go after the reserve's header, with a free box
// between them unless they fill the space exactly. If they do not fit, the
// fragments move by at least the largest fragment plus a free header, so
// that each moves into space no reader can reach (see shift); the extra
// stays free space after the moov.
func (w *Writer) plan() (final, []byte) {
	room := w.lay.data - w.lay.moovEnd
	mdatHdr := mdatHeader(w.written - w.lay.data)
	var maxOffset int64
	for _, t := range w.tracks {
		maxOffset = max(maxOffset, t.tab.maxOffset())
	}
	for co64 := false; ; co64 = true {
		fin := final{co64: co64}
		size := int64(w.moov(&fin).Size()) + int64(len(mdatHdr))
		if left := room - 8 - size; room < 8 || left != 0 && left < 8 {
			fin.shift = max(size+16-room, w.lay.maxFrag+8)
			fin.shift = (fin.shift + 4095) &^ 4095
		}
		if co64 || maxOffset+fin.shift <= w.lay.maxStco {
			return fin, mdatHdr
		}
	}
}

// freeHeader is the header of a free box of size bytes.
func freeHeader(size int64) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(size)), "free"...)
}

// mdatHeader is the header of an mdat box with n bytes of payload: 8
// bytes, or 16 with a 64-bit size.
func mdatHeader(n int64) []byte {
	if n+8 <= math.MaxUint32 {
		return append(binary.BigEndian.AppendUint32(nil, uint32(n+8)), "mdat"...)
	}
	return binary.BigEndian.AppendUint64(append(binary.BigEndian.AppendUint32(nil, 1), "mdat"...), uint64(n+16))
}
