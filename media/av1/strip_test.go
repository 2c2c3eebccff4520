package av1

import (
	"bytes"
	"testing"
)

func TestStripTemporalDelimiters(t *testing.T) {
	td := []byte{0x12, 0x00}                      // temporal delimiter, size 0
	seq := []byte{0x0a, 0x02, 0xaa, 0xbb}         // sequence header, 2 bytes
	frame := []byte{0x32, 0x03, 0x01, 0x02, 0x03} // frame, 3 bytes
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	for _, c := range []struct {
		name    string
		tu      []byte
		want    []byte
		hasSeq  bool
		wantBad bool
	}{
		{"delimiter first", cat(td, seq, frame), cat(seq, frame), true, false},
		{"none", cat(frame), frame, false, false},
		{"two", cat(td, frame, td, frame), cat(frame, frame), false, false},
		{"broken", []byte{0x32, 0x09, 0x01}, nil, false, true},
	} {
		got, s, hasSeq, ok := StripTemporalDelimiters(c.tu)
		switch {
		case ok == c.wantBad:
			t.Errorf("%s: ok %v", c.name, ok)
		case !bytes.Equal(got, c.want) || hasSeq != c.hasSeq:
			t.Errorf("%s: %x (seq %v), want %x (seq %v)", c.name, got, hasSeq, c.want, c.hasSeq)
		case hasSeq && !bytes.Equal(s.Raw, seq):
			t.Errorf("%s: sequence header %x", c.name, s.Raw)
		}
	}
}
