package mkv

import (
	"fmt"

	"github.com/webrtc-cli/webrtc-cli/media/ivf"
)

// AV1 OBU types (AV1 spec 6.2.2) that matter here.
const (
	obuSequenceHeader    = 1
	obuTemporalDelimiter = 2
)

// obu is one OBU of a temporal unit in low-overhead format.
type obu struct {
	typ     int
	raw     []byte // the whole OBU: header, size field, payload
	header  []byte // obu_header and extension
	payload []byte
}

// splitOBUs walks a temporal unit (AV1 spec 5.3); only the last OBU may
// omit its size field. ok is false if the framing is broken.
func splitOBUs(tu []byte) (obus []obu, ok bool) {
	for len(tu) > 0 {
		h := tu[0]
		if h&0x80 != 0 { // obu_forbidden_bit
			return nil, false
		}
		n := 1
		if h&0x04 != 0 { // obu_extension_flag
			n++
		}
		if len(tu) < n {
			return nil, false
		}
		o := obu{typ: int(h >> 3 & 0xf), header: tu[:n]}
		size := uint64(len(tu) - n)
		hl := n
		if h&0x02 != 0 { // obu_has_size_field
			v, l := leb128(tu[n:])
			if l == 0 || v > uint64(len(tu)-n-l) {
				return nil, false
			}
			size, hl = v, n+l
		}
		end := hl + int(size)
		o.raw, o.payload = tu[:end], tu[hl:end]
		obus = append(obus, o)
		tu = tu[end:]
	}
	return obus, true
}

// leb128 decodes AV1's little-endian base-128 size (spec 4.10.5). l is 0
// if the encoding is invalid.
func leb128(b []byte) (v uint64, l int) {
	for i := 0; i < 8 && i < len(b); i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			if v > 1<<32-1 {
				return 0, 0
			}
			return v, i + 1
		}
	}
	return 0, 0
}

func appendLEB128(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// av1Block returns the temporal unit as a Matroska block wants it: without
// temporal delimiters (Matroska's AV1 mapping: they SHOULD be removed; the
// block boundary is the delimiter), and the sequence header OBU, if any.
func av1Block(tu []byte) (block []byte, seq obu, hasSeq bool, err error) {
	obus, ok := splitOBUs(tu)
	if !ok {
		return nil, obu{}, false, fmt.Errorf("%w: malformed AV1 OBU framing", ErrBadFrame)
	}
	tds := 0
	for _, o := range obus {
		switch o.typ {
		case obuTemporalDelimiter:
			tds++
		case obuSequenceHeader:
			if !hasSeq {
				seq, hasSeq = o, true
			}
		}
	}
	switch {
	case tds == 0:
		return tu, seq, hasSeq, nil
	case tds == 1 && obus[0].typ == obuTemporalDelimiter:
		return tu[len(obus[0].raw):], seq, hasSeq, nil // the usual case: no copy
	}
	for _, o := range obus {
		if o.typ != obuTemporalDelimiter {
			block = append(block, o.raw...)
		}
	}
	return block, seq, hasSeq, nil
}

// av1Config builds an AV1CodecConfigurationRecord (av1C, AV1-ISOBMFF
// 2.3.3) whose configOBUs is the sequence header, as Matroska's V_AV1
// CodecPrivate. It also returns the maximum frame size.
func av1Config(seq obu) (av1C []byte, width, height int, err error) {
	s, ok := ivf.ParseAV1SequenceHeader(seq.payload)
	if !ok || !s.Complete {
		return nil, 0, 0, fmt.Errorf("%w: malformed AV1 sequence header", ErrBadFrame)
	}
	b := []byte{
		0x81, // marker, version 1
		s.Profile<<5 | s.Level0,
		s.Tier0<<7 | s.HighBitdepth<<6 | s.TwelveBit<<5 | s.Mono<<4 |
			s.SubX<<3 | s.SubY<<2 | s.ChromaPos,
		0, // no initial_presentation_delay
	}
	raw := seq.raw
	if seq.header[0]&0x02 == 0 { // configOBUs must carry their size
		raw = append([]byte{seq.header[0] | 0x02}, seq.header[1:]...)
		raw = appendLEB128(raw, uint64(len(seq.payload)))
		raw = append(raw, seq.payload...)
	}
	return append(b, raw...), s.Width, s.Height, nil
}
