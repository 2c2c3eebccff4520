package h264

// bitReader reads an RBSP (emulation prevention already removed) MSB first.
// Reading past the end, or an Exp-Golomb code longer than 32 bits, yields
// zeros and sets bad, so parsers read a whole header and check once.
type bitReader struct {
	data []byte
	pos  int // in bits
	bad  bool
}

// u reads n <= 32 bits.
func (b *bitReader) u(n int) uint32 {
	var v uint32
	for range n {
		i := b.pos >> 3
		if i >= len(b.data) {
			b.bad = true
			return 0
		}
		v = v<<1 | uint32(b.data[i]>>(7-uint(b.pos&7))&1)
		b.pos++
	}
	return v
}

func (b *bitReader) flag() bool { return b.u(1) == 1 }

// ue reads an unsigned Exp-Golomb code (H.264 §9.1); values above 2^32-2
// do not occur in valid streams.
func (b *bitReader) ue() uint32 {
	zeros := 0
	for b.u(1) == 0 {
		if b.bad || zeros == 31 {
			b.bad = true
			return 0
		}
		zeros++
	}
	return (1<<zeros - 1) + b.u(zeros)
}

// se reads a signed Exp-Golomb code (§9.1.1).
func (b *bitReader) se() int32 {
	k := b.ue()
	if k&1 == 1 {
		return int32(k/2 + 1)
	}
	return -int32(k / 2)
}

// left is the number of unread bits.
func (b *bitReader) left() int { return len(b.data)*8 - b.pos }

// unescape appends the RBSP of NAL unit payload p (the bytes after the NAL
// header) to dst, dropping each emulation prevention byte (00 00 03 ->
// 00 00), and stops once dst holds limit bytes (limit < 0: no limit).
func unescape(dst, p []byte, limit int) []byte {
	zeros := 0
	for _, c := range p {
		if limit >= 0 && len(dst) >= limit {
			break
		}
		if zeros >= 2 && c == 3 {
			zeros = 0
			continue
		}
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
		dst = append(dst, c)
	}
	return dst
}
