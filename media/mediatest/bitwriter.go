package mediatest

// BitWriter writes MSB-first bit fields and Exp-Golomb codes, to build the
// synthetic headers (VP9, AV1, H.264 parameter sets and slices) the parsers
// must read back. Its methods return it, so fields can be chained.
type BitWriter struct {
	buf []byte
	n   int // bits written
}

// U writes the low n bits of v.
func (w *BitWriter) U(n int, v uint32) *BitWriter {
	for i := n - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.buf = append(w.buf, 0)
		}
		if v>>uint(i)&1 == 1 {
			w.buf[len(w.buf)-1] |= 0x80 >> uint(w.n%8)
		}
		w.n++
	}
	return w
}

// Flag writes one bit.
func (w *BitWriter) Flag(b bool) *BitWriter {
	if b {
		return w.U(1, 1)
	}
	return w.U(1, 0)
}

// UE writes an unsigned Exp-Golomb code (H.264 §9.1).
func (w *BitWriter) UE(v uint32) *BitWriter {
	x := uint64(v) + 1
	n := 0
	for x>>uint(n+1) != 0 {
		n++
	}
	w.U(n, 0)
	for i := n; i >= 0; i-- { // n+1 bits, which may be 33
		w.U(1, uint32(x>>uint(i)&1))
	}
	return w
}

// SE writes a signed Exp-Golomb code (H.264 §9.1.1).
func (w *BitWriter) SE(v int32) *BitWriter {
	if v > 0 {
		return w.UE(uint32(2*v - 1))
	}
	return w.UE(uint32(-2 * v))
}

// Len is the number of bits written.
func (w *BitWriter) Len() int { return w.n }

// Bytes returns what was written, the last byte padded with zero bits.
func (w *BitWriter) Bytes() []byte { return w.buf }

// Escape adds H.264 emulation prevention bytes to an RBSP (00 00 0x with
// x <= 3 becomes 00 00 03 0x), so that no start code appears in it.
func Escape(rbsp []byte) []byte {
	out := make([]byte, 0, len(rbsp)+len(rbsp)/64)
	zeros := 0
	for _, c := range rbsp {
		if zeros >= 2 && c <= 3 {
			out = append(out, 3)
			zeros = 0
		}
		out = append(out, c)
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	return out
}
