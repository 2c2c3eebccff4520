package h264

import (
	"fmt"
	"io"

	"github.com/webrtc-cli/webrtc-cli/media/internal/bitstream"
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
	nals    [][]byte    // of the unit being written, header included
	ids     []int       // the SPS or PPS id of each of nals; -1 for other types or if unreadable
	missing int
	scratch [maxSliceHeader]byte
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
	for i, nal := range w.nals {
		switch naluType(nal[0]) {
		case nalSPS:
			if id, ok := spsID(nal); ok {
				w.ids[i] = int(id)
				w.sps[id] = append(w.sps[id][:0], nal...)
			}
		case nalPPS:
			if p, err := parsePPS(nal); err == nil {
				w.ids[i] = int(p.id)
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
	ppsID, ok := slicePPS(w.nals[idr], w.scratch[:])
	if !ok {
		return w.write(au) // no header to go by
	}
	spsID := w.ppsSPS[ppsID]
	haveSPS, havePPS := false, false
	spsEnd := 0 // end of the SPS the IDR needs, if au has it
	for i, nal := range w.nals[:idr] {
		switch naluType(nal[0]) {
		case nalSPS:
			if w.ids[i] == int(spsID) {
				haveSPS, spsEnd = true, endIn(au, nal)
			}
		case nalPPS:
			havePPS = havePPS || w.ids[i] == int(ppsID)
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
		if naluType(w.nals[0][0]) == nalAUD {
			at = endIn(au, w.nals[0])
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

// split finds the NAL units of au.
func (w *Writer) split(au []byte) error {
	var ok bool
	if w.nals, ok = AppendNALUnits(w.nals[:0], au); !ok {
		return fmt.Errorf("%w: access unit of %d bytes does not start with a start code", ErrNotAnnexB, len(au))
	}
	if len(w.nals) == 0 {
		return fmt.Errorf("%w: access unit of %d bytes has no NAL unit", ErrNotAnnexB, len(au))
	}
	w.ids = w.ids[:0]
	for range w.nals {
		w.ids = append(w.ids, -1)
	}
	return nil
}

// endIn is the offset in au just past nal, one of its NAL units: a slice
// of au, whose capacity is au's less where it starts.
func endIn(au, nal []byte) int { return cap(au) - cap(nal) + len(nal) }

// spsID reads seq_parameter_set_id from an SPS NAL unit.
func spsID(nal []byte) (uint32, bool) {
	var buf [12]byte
	b := bitstream.NewReader(unescape(buf[:0], nal[1:], len(buf)))
	b.Bits(24) // profile_idc, constraint flags, level_idc
	id := b.UE()
	return id, !b.Bad() && id < 32
}

// slicePPS reads pic_parameter_set_id from a slice NAL unit.
func slicePPS(nal, buf []byte) (uint32, bool) {
	b := bitstream.NewReader(unescape(buf[:0], nal[1:], maxSliceHeader))
	b.UE() // first_mb_in_slice
	b.UE() // slice_type
	id := b.UE()
	return id, !b.Bad() && id < 256
}
