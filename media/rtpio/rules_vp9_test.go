package rtpio

import (
	"bytes"

	"github.com/pion/rtp"
	"testing"

	"github.com/pion/rtp/codecs"
)

// TestPionVP9PacketReuse pins why vp9Rules resets slices before Unmarshal:
// a reused codecs.VP9Packet keeps appending to PDiff (and PGTID, PGU):
// the slice grows with every packet, and once a packet has two references
// the stale ones exceed its limit of three and Unmarshal fails.
func TestPionVP9PacketReuse(t *testing.T) {
	// Flexible mode, P=1, picture id, one P_DIFF.
	flexInter := []byte{0xd8 | 0x04, 0x80, 0x01, 0x02, 0xaa}
	var reused codecs.VP9Packet
	for range 4 {
		if _, err := reused.Unmarshal(flexInter); err != nil {
			t.Fatal(err)
		}
	}
	if len(reused.PDiff) != 4 {
		t.Fatalf("pion's VP9Packet now resets PDiff (%v): vp9Rules.unmarshal can go", reused.PDiff)
	}
	// With two references per packet the stale ones trip its limit of 3.
	twoRefs := []byte{0xdc, 0x80, 0x01, 0x03, 0x04, 0xaa}
	reused = codecs.VP9Packet{}
	_, err1 := reused.Unmarshal(twoRefs)
	_, err2 := reused.Unmarshal(twoRefs)
	if err1 != nil || err2 == nil {
		t.Fatalf("reused VP9Packet: %v, %v", err1, err2)
	}

	var r vp9Rules
	for i := range 100 {
		if _, err := r.unmarshal(flexInter); err != nil || len(r.pkt.PDiff) != 1 {
			t.Fatalf("packet %d: %v, PDiff %v", i, err, r.pkt.PDiff)
		}
		if _, err := r.unmarshal(twoRefs); err != nil || len(r.pkt.PDiff) != 2 {
			t.Fatalf("packet %d: %v, PDiff %v", i, err, r.pkt.PDiff)
		}
	}
}

// TestVP9FlexibleModeKeyframes: pion's flexible mode (as some senders use)
// never sets P, so keyframes must be told from the uncompressed header.
func TestVP9FlexibleModeKeyframes(t *testing.T) {
	s := synthStream("VP9", 10, 5, 4)
	pay := codecs.VP9Payloader{FlexibleMode: true}
	a := newTestAssembler(t, AssemblerConfig{Codec: codecOf("VP9")})
	seq := uint16(0)
	for i, f := range s.frames {
		payloads := pay.Payload(1188, f)
		for k, pl := range payloads {
			a.Push(&rtp.Packet{Header: rtp.Header{
				Version: 2, SequenceNumber: seq, Timestamp: s.ts[i], Marker: k == len(payloads)-1,
			}, Payload: pl}, simStart)
			seq++
		}
	}
	got := popAll(a, simStart)
	if len(got) != len(s.frames) {
		t.Fatalf("%d frames", len(got))
	}
	for i, f := range got {
		if f.Keyframe != s.key[i] || !bytes.Equal(f.Data, s.frames[i]) {
			t.Fatalf("frame %d: keyframe %v, want %v", i, f.Keyframe, s.key[i])
		}
	}
}
