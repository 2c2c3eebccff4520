package h264

import "bytes"

// AppendNALUnits appends to dst the NAL units of au, an access unit in
// Annex-B form (3- or 4-byte start codes), each without its start code and
// trailing zero bytes: those belong to the next start code or are
// trailing_zero_8bits, as a NAL unit never ends in a zero byte. Empty units
// are left out. The slices alias au. ok is false if au does not begin with
// a start code, zero bytes aside.
//
// Unlike Reader, which follows a stream and checks every unit, it takes a
// unit that is already whole in memory and as it is: the Writer and
// Matroska's H.264 track split what the network delivered with it.
func AppendNALUnits(dst [][]byte, au []byte) (nals [][]byte, ok bool) {
	i := bytes.Index(au, startCode3)
	if i < 0 || len(bytes.TrimLeft(au[:i], "\x00")) > 0 {
		return dst, false
	}
	for i >= 0 {
		start := i + len(startCode3)
		end := len(au)
		i = bytes.Index(au[start:], startCode3)
		if i >= 0 {
			i += start
			end = i
		}
		if nal := bytes.TrimRight(au[start:end], "\x00"); len(nal) > 0 {
			dst = append(dst, nal)
		}
	}
	return dst, true
}
