package av1

// OBU types (AV1 spec 6.2.2) that matter here.
const (
	OBUSequenceHeader    = 1
	OBUTemporalDelimiter = 2
	OBUFrameHeader       = 3
	OBUFrame             = 6
)

// OBU is one open bitstream unit of a temporal unit. Its slices alias the
// unit.
type OBU struct {
	Type    int
	Raw     []byte // the whole OBU: header, size field, payload
	Header  []byte // obu_header and its extension
	Payload []byte
}

// NextOBU splits the first OBU off tu, a temporal unit in the low-overhead
// format (AV1 spec 5.3). An OBU without a size field runs to the end of tu,
// as the Matroska and ISOBMFF mappings allow for the last one. ok is false
// if the framing is broken.
func NextOBU(tu []byte) (o OBU, rest []byte, ok bool) {
	if len(tu) == 0 {
		return OBU{}, nil, false
	}
	h := tu[0]
	if h&0x80 != 0 { // obu_forbidden_bit
		return OBU{}, nil, false
	}
	n := 1
	if h&0x04 != 0 { // obu_extension_flag: temporal/spatial ids we ignore
		n++
	}
	if len(tu) < n {
		return OBU{}, nil, false
	}
	size, start := uint64(len(tu)-n), n
	if h&0x02 != 0 { // obu_has_size_field
		v, l := ReadLEB128(tu[n:])
		if l == 0 || v > uint64(len(tu)-n-l) {
			return OBU{}, nil, false
		}
		size, start = v, n+l
	}
	end := start + int(size)
	return OBU{Type: int(h >> 3 & 0xf), Raw: tu[:end], Header: tu[:n], Payload: tu[start:end]}, tu[end:], true
}
