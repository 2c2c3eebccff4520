package ivf

// AV1 OBU types (AV1 spec 6.2.2) that matter here.
const (
	obuSequenceHeader    = 1
	obuTemporalDelimiter = 2
	obuFrameHeader       = 3
	obuFrame             = 6
)

// av1Info is what av1Scan learns from one temporal unit.
type av1Info struct {
	hasSeq        bool
	width, height int
	key           bool // the first frame header is a KEY_FRAME
}

// av1Scan walks the OBUs of a temporal unit in low-overhead format (each OBU
// with a size field; the last may omit it). It reads the sequence header's
// maximum frame size and the frame type of the first frame header. ok is
// false if the OBU framing or a sequence header is malformed.
func av1Scan(tu []byte) (av1Info, bool) {
	var info av1Info
	var seq AV1SequenceHeader
	sawFrame := false
	for len(tu) > 0 {
		typ, payload, rest, ok := nextOBU(tu)
		if !ok {
			return info, false
		}
		tu = rest
		switch typ {
		case obuSequenceHeader:
			s, ok := ParseAV1SequenceHeader(payload)
			if !ok {
				return info, false
			}
			seq, info.hasSeq = s, true
			info.width, info.height = s.Width, s.Height
		case obuFrameHeader, obuFrame:
			if sawFrame || !info.hasSeq {
				// Without the sequence header we cannot tell a reduced
				// still-picture header from a normal one.
				continue
			}
			sawFrame = true
			info.key = av1KeyFrame(payload, seq.ReducedStill)
		}
	}
	return info, true
}

// nextOBU splits the first OBU off tu (AV1 spec 5.3).
func nextOBU(tu []byte) (typ int, payload, rest []byte, ok bool) {
	h := tu[0]
	if h&0x80 != 0 { // obu_forbidden_bit
		return 0, nil, nil, false
	}
	typ = int(h >> 3 & 0xf)
	n := 1
	if h&0x04 != 0 { // obu_extension_flag: temporal/spatial ids we ignore
		n++
	}
	if len(tu) < n {
		return 0, nil, nil, false
	}
	size := uint64(len(tu) - n)
	if h&0x02 != 0 { // obu_has_size_field
		v, l := leb128(tu[n:])
		if l == 0 {
			return 0, nil, nil, false
		}
		size, n = v, n+l
		if size > uint64(len(tu)-n) {
			return 0, nil, nil, false
		}
	}
	end := n + int(size)
	return typ, tu[n:end], tu[end:], true
}

// leb128 decodes AV1's little-endian base-128 size (spec 4.10.5): at most 8
// bytes, value below 2^32. l is 0 if the encoding is invalid.
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

// av1KeyFrame reads frame_type from the start of uncompressed_header (spec
// 5.9.2); nothing is coded before show_existing_frame.
func av1KeyFrame(hdr []byte, reducedStill bool) bool {
	if reducedStill {
		return true // such streams have only key frames
	}
	b := bitReader{data: hdr}
	if b.bit() == 1 { // show_existing_frame
		return false
	}
	const keyFrame = 0
	return b.bits(2) == keyFrame && !b.short
}
