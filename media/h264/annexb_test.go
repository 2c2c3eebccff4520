package h264

import (
	"fmt"
	"testing"
)

func TestAppendNALUnits(t *testing.T) {
	for _, c := range []struct {
		in   []byte
		want [][]byte // nil with ok false
		ok   bool
	}{
		{[]byte{0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x65, 1, 2}, [][]byte{{0x09, 0xf0}, {0x65, 1, 2}}, true},
		{[]byte{0, 0, 1, 0x67, 0, 0, 0, 0, 1, 0x68}, [][]byte{{0x67}, {0x68}}, true}, // trailing zeros
		{[]byte{0, 0, 1, 0x41, 0, 0, 3, 1}, [][]byte{{0x41, 0, 0, 3, 1}}, true},      // emulation prevention kept
		{[]byte{0, 0, 1, 0, 0, 1, 0x41}, [][]byte{{0x41}}, true},                     // empty NAL unit dropped
		{[]byte{0, 0, 1}, nil, true},
		{[]byte{0x65, 1, 2}, nil, false},
		{[]byte{7, 0, 0, 1, 0x65}, nil, false}, // garbage before the start code
		{nil, nil, false},
	} {
		got, ok := AppendNALUnits(nil, c.in)
		if ok != c.ok || fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("AppendNALUnits(%x) = %x, %v; want %x, %v", c.in, got, ok, c.want, c.ok)
		}
	}
	// It appends: a caller reuses its slice.
	dst := [][]byte{{1}}
	if got, _ := AppendNALUnits(dst, []byte{0, 0, 1, 0x41}); len(got) != 2 || got[0][0] != 1 || got[1][0] != 0x41 {
		t.Errorf("appended %x", got)
	}
}

func TestIsKeyframe(t *testing.T) {
	for _, c := range []struct {
		name string
		au   []byte
		want bool
	}{
		{"IDR", annexB(tick50.nal(), ppsPOC.nal(), idrConf.nal()), true},
		{"IDR, 3-byte start codes", []byte{0, 0, 1, 0x67, 0x42, 0, 0, 1, 0x65, 0x88}, true},
		{"IDR after an SEI", annexB([]byte{0x06, 0x05, 0x01, 0xaa, 0x80}, idrConf.nal()), true},
		{"non-IDR slice", annexB(pic(idrConf, 1).nal()), false},
		{"parameter sets alone", annexB(tick50.nal(), ppsPOC.nal()), false},
		{"IDR type in slice data, not behind a start code", []byte{0, 0, 1, 0x41, 0x65, 0x65}, false},
		{"start code at the end", []byte{0, 0, 1, 0x41, 0, 0, 1}, false},
		{"no start code", []byte{0x65, 0x88}, false},
		{"empty", nil, false},
	} {
		if got := IsKeyframe(c.au); got != c.want {
			t.Errorf("%s: IsKeyframe = %v, want %v", c.name, got, c.want)
		}
	}
}
