package h264

import (
	"bytes"
	"fmt"
	"io"
)

// Writer writes access units to an Annex-B byte stream, such as a .h264
// file. It remembers the last SPS and PPS of each id and puts them in front
// of an IDR picture that arrives without the ones it refers to: senders
// that send parameter sets once, out of band, or in a packet that was lost,
// would otherwise leave a file no decoder can start. It is not safe for
// concurrent use.
type Writer struct {
	w       io.Writer
	sps     [32][]byte
	pps     [256][]byte
	ppsSPS  [256]uint32 // the SPS id each stored PPS refers to
	nals    []nalRef
	missing int
	scratch [maxSliceHeader]byte
}

// nalRef is one NAL unit of an access unit: au[start:end], header
// included, behind the start code at au[code:start].
type nalRef struct {
	code, start, end int
	id               int // SPS or PPS id, -1 for other types or if unreadable
}

// NewWriter returns a Writer to w. Annex-B has no file header: nothing is
// written before the first access unit.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w}
}

// Missing counts the IDR access units written without an SPS or PPS they
// need because none had been seen: a decoder cannot start at them.
func (w *Writer) Missing() int { return w.missing }

// WriteAccessUnit writes au, an access unit in Annex-B form (3- or 4-byte
// start codes), unchanged, except that an IDR picture lacking the SPS or
// PPS its first slice refers to gets the stored ones, with 4-byte start
// codes: a missing SPS (and PPS) at the front, after the access unit
// delimiter if au starts with one; a missing PPS alone right after au's
// SPS. Data that does not start
// with a start code is refused with ErrNotAnnexB; a write error wraps
// ErrWrite.
func (w *Writer) WriteAccessUnit(au []byte) error {
	if err := w.split(au); err != nil {
		return err
	}
	idr := -1
	for i := range w.nals {
		n := &w.nals[i]
		nal := au[n.start:n.end]
		switch naluType(nal[0]) {
		case nalSPS:
			if id, ok := spsID(nal); ok {
				n.id = int(id)
				w.sps[id] = append(w.sps[id][:0], nal...)
			}
		case nalPPS:
			if p, err := parsePPS(nal); err == nil {
				n.id = int(p.id)
				w.pps[p.id] = append(w.pps[p.id][:0], nal...)
				w.ppsSPS[p.id] = p.spsID
			}
		case nalIDR:
			if idr < 0 {
				idr = i
			}
		}
	}
	if idr < 0 {
		return w.write(au)
	}
	ppsID, ok := slicePPS(au[w.nals[idr].start:w.nals[idr].end], w.scratch[:])
	if !ok {
		return w.write(au) // no header to go by
	}
	spsID := w.ppsSPS[ppsID]
	haveSPS, havePPS := false, false
	spsEnd := 0 // end of the SPS the IDR needs, if au has it
	for _, n := range w.nals[:idr] {
		switch naluType(au[n.start]) {
		case nalSPS:
			if n.id == int(spsID) {
				haveSPS, spsEnd = true, n.end
			}
		case nalPPS:
			havePPS = havePPS || n.id == int(ppsID)
		}
	}
	if haveSPS && havePPS {
		return w.write(au)
	}
	if !haveSPS && w.sps[spsID] == nil || !havePPS && w.pps[ppsID] == nil {
		w.missing++
	}
	// The SPS goes first (after a delimiter, which must lead): a PPS is
	// read with its SPS. A missing PPS goes with it, or right after the SPS
	// au has.
	var insert []byte
	at := spsEnd
	if !haveSPS {
		insert = appendNAL(insert, w.sps[spsID])
		at = 0
		if naluType(au[w.nals[0].start]) == nalAUD {
			at = w.nals[0].end
		}
	}
	if !havePPS {
		insert = appendNAL(insert, w.pps[ppsID])
	}
	if err := w.write(au[:at]); err != nil {
		return err
	}
	if err := w.write(insert); err != nil {
		return err
	}
	return w.write(au[at:])
}

func appendNAL(dst, nal []byte) []byte {
	if nal == nil {
		return dst
	}
	return append(append(dst, startCode...), nal...)
}

func (w *Writer) write(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if _, err := w.w.Write(b); err != nil {
		return fmt.Errorf("%w: %w", ErrWrite, err)
	}
	return nil
}

var startCode3 = []byte{0, 0, 1}

// split finds the NAL units of au: each runs from a start code to the
// next, less trailing zero bytes.
func (w *Writer) split(au []byte) error {
	w.nals = w.nals[:0]
	i := bytes.Index(au, startCode3)
	if i < 0 || len(bytes.Trim(au[:i], "\x00")) > 0 {
		return fmt.Errorf("%w: access unit of %d bytes does not start with a start code", ErrNotAnnexB, len(au))
	}
	code := 0
	for i >= 0 {
		start := i + len(startCode3)
		end := len(au)
		next := bytes.Index(au[start:], startCode3)
		if next >= 0 {
			end = start + next
		}
		i = end
		for end > start && au[end-1] == 0 {
			end--
		}
		if end > start {
			w.nals = append(w.nals, nalRef{code: code, start: start, end: end, id: -1})
		}
		if next < 0 {
			break
		}
		code = end
	}
	if len(w.nals) == 0 {
		return fmt.Errorf("%w: access unit of %d bytes has no NAL unit", ErrNotAnnexB, len(au))
	}
	return nil
}

// spsID reads seq_parameter_set_id from an SPS NAL unit.
func spsID(nal []byte) (uint32, bool) {
	var buf [12]byte
	b := bitReader{data: unescape(buf[:0], nal[1:], len(buf))}
	b.u(24) // profile_idc, constraint flags, level_idc
	id := b.ue()
	return id, !b.bad && id < 32
}

// slicePPS reads pic_parameter_set_id from a slice NAL unit.
func slicePPS(nal, buf []byte) (uint32, bool) {
	b := bitReader{data: unescape(buf[:0], nal[1:], maxSliceHeader)}
	b.ue() // first_mb_in_slice
	b.ue() // slice_type
	id := b.ue()
	return id, !b.bad && id < 256
}
