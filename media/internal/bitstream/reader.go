// Package bitstream reads the bit fields codec headers are made of: fixed
// width fields MSB first, H.264's Exp-Golomb codes and AV1's uvlc. Reading
// past the end yields zeros and marks the Reader bad, so a parser can read
// a whole header and check once instead of after every field.
package bitstream

import (
	"math"
	"math/bits"
)

// Reader reads bits from a byte slice (for H.264, an RBSP: emulation
// prevention already removed). The zero value reads nothing.
type Reader struct {
	data []byte
	pos  int // in bits
	bad  bool
}

// NewReader returns a Reader of data. It returns a value, not a pointer, so
// that a parser's Reader lives on its stack.
func NewReader(data []byte) Reader { return Reader{data: data} }

// Bad reports that a read went past the end of the data, or met an
// Exp-Golomb code longer than 32 bits. Such a read returns 0, and the
// flag stays set.
func (r *Reader) Bad() bool { return r.bad }

// Fail marks the Reader bad, for a parser that met a value out of range:
// the header is then refused as if it were cut short.
func (r *Reader) Fail() { r.bad = true }

// Left is the number of unread bits.
func (r *Reader) Left() int { return len(r.data)*8 - r.pos }

// Bits reads n <= 32 bits: the specs' u(n) (H.264) and f(n) (AV1, VP9).
func (r *Reader) Bits(n int) uint32 {
	var v uint32
	for range n {
		i := r.pos >> 3
		if i >= len(r.data) {
			r.bad = true
			return 0
		}
		v = v<<1 | uint32(r.data[i]>>(7-uint(r.pos&7))&1)
		r.pos++
	}
	return v
}

// Bit reads one bit.
func (r *Reader) Bit() uint32 { return r.Bits(1) }

// Flag reads one bit as a bool.
func (r *Reader) Flag() bool { return r.Bits(1) == 1 }

// UE reads an unsigned Exp-Golomb code (H.264 §9.1). Its prefix is
// limited to 31 zeros, enough for every value a valid stream codes (up to
// 2^32-2), so garbage cannot make it read ever further.
func (r *Reader) UE() uint32 {
	n, ok := r.prefix(31)
	if !ok {
		return 0
	}
	return (1<<n - 1) + r.Bits(n)
}

// SE reads a signed Exp-Golomb code (H.264 §9.1.1).
func (r *Reader) SE() int32 {
	k := r.UE()
	if k&1 == 1 {
		return int32(k/2 + 1)
	}
	return -int32(k / 2)
}

// UVLC reads AV1's variable-length unsigned code (AV1 spec 4.10.3). Unlike
// UE, 32 or more leading zeros are valid and mean 2^32-1.
func (r *Reader) UVLC() uint32 {
	n, ok := r.prefix(math.MaxInt)
	switch {
	case !ok:
		return 0
	case n >= 32:
		return 1<<32 - 1
	}
	return r.Bits(n) + (1 << n) - 1
}

// prefix reads the zero bits that start a variable-length code and the one
// bit that ends them. ok is false, and the Reader bad, if the data ends
// first or more than max zeros come. It counts a byte's zeros at a time:
// parameter sets and slice headers are mostly such codes.
func (r *Reader) prefix(max int) (zeros int, ok bool) {
	for {
		i := r.pos >> 3
		if i >= len(r.data) {
			r.bad = true
			return 0, false
		}
		unread := 8 - r.pos&7
		n := min(bits.LeadingZeros8(r.data[i]<<(r.pos&7)), unread)
		if zeros+n > max {
			r.pos += max + 1 - zeros // as far as a bit-by-bit reader gets
			r.bad = true
			return 0, false
		}
		zeros += n
		r.pos += n
		if n < unread {
			r.pos++ // the one
			return zeros, true
		}
	}
}
