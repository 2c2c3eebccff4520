package ivf

// bitReader reads MSB-first bit fields, as VP9 and AV1 headers are coded.
// Reading past the end yields zeros and sets short, so parsers can read a
// whole header and check once instead of after every field.
type bitReader struct {
	data  []byte
	pos   int // in bits
	short bool
}

func (b *bitReader) bit() uint32 { return uint32(b.bits(1)) }

// bits reads n <= 32 bits.
func (b *bitReader) bits(n int) uint64 {
	var v uint64
	for range n {
		i := b.pos >> 3
		if i >= len(b.data) {
			b.short = true
			return 0
		}
		v = v<<1 | uint64(b.data[i]>>(7-uint(b.pos&7))&1)
		b.pos++
	}
	return v
}

// uvlc reads AV1's variable-length unsigned code (spec 4.10.3).
func (b *bitReader) uvlc() uint64 {
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
	return b.bits(zeros) + (1 << zeros) - 1
}
