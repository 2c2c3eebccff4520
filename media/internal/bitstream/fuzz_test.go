package bitstream

import (
	"strings"
	"testing"
)

// model is a plain reference for Reader: the data as a string of '0' and
// '1', where a code's leading zeros are one IndexByte.
type model struct {
	bits string
	pos  int
	bad  bool
}

func (m *model) read(n int) uint32 {
	if m.pos+n > len(m.bits) {
		m.pos, m.bad = len(m.bits), true
		return 0
	}
	var v uint32
	for _, c := range m.bits[m.pos : m.pos+n] {
		v = v<<1 | uint32(c-'0')
	}
	m.pos += n
	return v
}

// zeros counts the zero bits before the next one bit and reads through it;
// ok is false if the data ends first or the count passes limit.
func (m *model) zeros(limit int) (n int, ok bool) {
	i := strings.IndexByte(m.bits[m.pos:], '1')
	end := i < 0
	if end {
		i = len(m.bits) - m.pos
	}
	if i > limit {
		m.pos, m.bad = m.pos+limit+1, true
		return 0, false
	}
	if end {
		m.pos, m.bad = len(m.bits), true
		return 0, false
	}
	m.pos += i + 1
	return i, true
}

func (m *model) ue() uint32 {
	n, ok := m.zeros(31)
	if !ok {
		return 0
	}
	return 1<<n - 1 + m.read(n)
}

func (m *model) uvlc() uint32 {
	n, ok := m.zeros(len(m.bits))
	switch {
	case !ok:
		return 0
	case n >= 32:
		return 1<<32 - 1
	}
	return m.read(n) + 1<<n - 1
}

// FuzzReader checks every method against model on arbitrary data, in an
// order the fuzzer picks: the same values, the same position, the same
// Bad, and no panic.
func FuzzReader(f *testing.F) {
	f.Add([]byte{0x42, 0xc0, 0x0d, 0x8d, 0x68}, []byte{7 << 3, 7 << 3, 7 << 3, 3, 3, 4, 2})
	f.Add([]byte{0, 0, 0, 0, 0x80, 1, 2, 3, 4}, []byte{3, 5, 6, 1})
	f.Add([]byte{0x0a, 0x0b, 0x00, 0x00, 0x00, 0x04, 0x3c, 0xff}, []byte{2 << 3, 0, 5, 31 << 3, 2})
	f.Fuzz(func(t *testing.T, data, ops []byte) {
		var b strings.Builder
		for _, c := range data {
			for i := 7; i >= 0; i-- {
				b.WriteByte('0' + c>>i&1)
			}
		}
		m := model{bits: b.String()}
		r := NewReader(data)
		for i, op := range ops {
			n := int(op>>3) + 1 // 1 to 32 bits
			var got, want uint64
			switch op & 7 {
			case 0:
				got, want = uint64(r.Bits(n)), uint64(m.read(n))
			case 1:
				got, want = uint64(r.Bit()), uint64(m.read(1))
			case 2:
				got, want = uint64(btoi(r.Flag())), uint64(m.read(1))
			case 3:
				got, want = uint64(r.UE()), uint64(m.ue())
			case 4:
				k := m.ue()
				se := -int64(k / 2)
				if k&1 == 1 {
					se = int64(k/2) + 1
				}
				got, want = uint64(r.SE()), uint64(se)
			case 5:
				got, want = uint64(r.UVLC()), uint64(m.uvlc())
			case 6:
				r.Fail()
				m.bad = true
			default:
				got, want = uint64(r.Left()), uint64(len(m.bits)-m.pos)
			}
			if got != want || r.Bad() != m.bad || r.Left() != len(m.bits)-m.pos {
				t.Fatalf("op %d (%d, n %d): %d, bad %v, left %d; want %d, bad %v, left %d",
					i, op&7, n, got, r.Bad(), r.Left(), want, m.bad, len(m.bits)-m.pos)
			}
		}
	})
}

func btoi(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}
