package bitstream

import (
	"testing"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

func TestReaderRoundTrip(t *testing.T) {
	var w mediatest.BitWriter
	w.U(3, 5).Flag(true).U(32, 0xdeadbeef).UE(0).UE(1).UE(254).UE(1<<32-2).SE(0).SE(-7).SE(1<<31-1).U(7, 0)
	r := NewReader(w.Bytes())
	if v := r.Bits(3); v != 5 {
		t.Errorf("Bits(3) = %d", v)
	}
	if !r.Flag() {
		t.Error("Flag false")
	}
	if v := r.Bits(32); v != 0xdeadbeef {
		t.Errorf("Bits(32) = %#x", v)
	}
	for _, want := range []uint32{0, 1, 254, 1<<32 - 2} {
		if v := r.UE(); v != want {
			t.Errorf("UE = %d, want %d", v, want)
		}
	}
	for _, want := range []int32{0, -7, 1<<31 - 1} {
		if v := r.SE(); v != want {
			t.Errorf("SE = %d, want %d", v, want)
		}
	}
	if r.Left() != 7+len(w.Bytes())*8-w.Len() || r.Bad() {
		t.Errorf("Left %d, Bad %v after reading all but the 7 padding bits", r.Left(), r.Bad())
	}
}

// TestReaderPastEnd: a read past the end returns 0 and sets Bad for good,
// so a parser checks once at the end of a header.
func TestReaderPastEnd(t *testing.T) {
	r := NewReader([]byte{0xff})
	if v := r.Bits(4); v != 0xf || r.Bad() {
		t.Fatalf("Bits(4) = %#x, bad %v", v, r.Bad())
	}
	if v := r.Bits(5); v != 0 || !r.Bad() || r.Left() != 0 {
		t.Fatalf("Bits(5) past the end = %#x, bad %v, left %d", v, r.Bad(), r.Left())
	}
	if v := r.UE(); v != 0 || !r.Bad() {
		t.Errorf("UE past the end = %d", v)
	}
	var zero Reader
	if zero.Bit() != 0 || !zero.Bad() {
		t.Error("the zero Reader read something")
	}
	r = NewReader([]byte{0x80})
	r.Fail()
	if !r.Bad() || r.Bit() != 1 {
		t.Error("Fail: not bad, or it stopped reading")
	}
}

// TestExpGolombLimits: UE refuses codes longer than 32 bits of prefix,
// which no valid H.264 value needs; AV1's UVLC maps them to 2^32-1.
func TestExpGolombLimits(t *testing.T) {
	var w mediatest.BitWriter
	w.U(32, 0).U(1, 1).U(32, 0)
	r := NewReader(w.Bytes())
	if v := r.UE(); v != 0 || !r.Bad() {
		t.Errorf("UE with 32 leading zeros = %d, bad %v", v, r.Bad())
	}
	r = NewReader(w.Bytes())
	if v := r.UVLC(); v != 1<<32-1 || r.Bad() {
		t.Errorf("UVLC with 32 leading zeros = %d, bad %v", v, r.Bad())
	}
	w = mediatest.BitWriter{}
	w.U(2, 0).U(3, 0b110) // uvlc: 2 zeros, then 1, then 2 bits: 3 + 2 = 5
	r = NewReader(w.Bytes())
	if v := r.UVLC(); v != 5 || r.Bad() {
		t.Errorf("UVLC = %d, want 5", v)
	}
	r = NewReader([]byte{0})
	if v := r.UVLC(); v != 0 || !r.Bad() {
		t.Errorf("UVLC of zeros to the end = %d, bad %v", v, r.Bad())
	}
}
