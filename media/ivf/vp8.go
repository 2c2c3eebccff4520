package ivf

import "encoding/binary"

// vp8Size parses a VP8 keyframe header (RFC 6386 9.1): a 3-byte frame tag
// whose bit 0 is 0 for keyframes, the start code 9d 01 2a, then 14-bit
// width and height, each with 2 bits of upscaling we ignore.
func vp8Size(f []byte) (w, h int, ok bool) {
	if len(f) < 10 || f[0]&1 != 0 {
		return 0, 0, false
	}
	if f[3] != 0x9d || f[4] != 0x01 || f[5] != 0x2a {
		return 0, 0, false
	}
	w = int(binary.LittleEndian.Uint16(f[6:]) & 0x3fff)
	h = int(binary.LittleEndian.Uint16(f[8:]) & 0x3fff)
	return w, h, w > 0 && h > 0
}
