package mkv

// bitReader reads big-endian bit fields. Reading past the end yields zeros
// and sets short, so parsers check once at the end instead of at every
// field, and malformed input can never make them panic.
type bitReader struct {
	data  []byte
	pos   int // in bits
	short bool
}

func (b *bitReader) bit() uint32 {
	if b.pos >= len(b.data)*8 {
		b.short = true
		return 0
	}
	v := b.data[b.pos/8] >> (7 - b.pos%8) & 1
	b.pos++
	return uint32(v)
}

// bits reads n <= 32 bits.
func (b *bitReader) bits(n int) uint32 {
	var v uint32
	for range n {
		v = v<<1 | b.bit()
	}
	return v
}

// ue reads an unsigned Exp-Golomb code (H.264 9.1). Codes longer than 31
// bits do not occur in valid streams; they read as short.
func (b *bitReader) ue() uint32 {
	zeros := 0
	for b.bit() == 0 {
		if b.short || zeros == 31 {
			b.short = true
			return 0
		}
		zeros++
	}
	return 1<<zeros - 1 + b.bits(zeros)
}

// se reads a signed Exp-Golomb code (H.264 9.1.1).
func (b *bitReader) se() int32 {
	k := b.ue()
	if k&1 == 1 {
		return int32(k/2 + 1)
	}
	return -int32(k / 2)
}

// uvlc reads AV1's variable-length unsigned code (AV1 spec 4.10.3).
func (b *bitReader) uvlc() uint32 {
	zeros := 0
	for b.bit() == 0 {
		if b.short {
			return 0
		}
		zeros++
	}
	if zeros >= 32 {
		return 1<<32 - 1
	}
	return b.bits(zeros) + (1<<zeros - 1)
}
