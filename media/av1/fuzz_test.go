package av1

import (
	"bytes"
	"testing"
)

// FuzzTemporalUnit walks arbitrary units: NextOBU must cut them into OBUs
// that join back into the unit, and IsKeyframe must only say yes where
// FrameSize finds a sequence header.
func FuzzTemporalUnit(f *testing.F) {
	seq := seqHeader(seqOpts{opLevels: []int{8}, wBits: 11, hBits: 11, width: 1280, height: 720})
	f.Add(tu(av1TD, obu(1, false, seq), obu(6, false, av1KeyHdr)))
	f.Add(tu(av1TD, obu(1, true, seqHeader(seqOpts{timing: true, decoderModel: true, displayDelay: true,
		opLevels: []int{12, 5}, wBits: 16, hBits: 16, width: 3840, height: 2160})), obu(3, false, av1KeyHdr)))
	f.Add(tu(obu(1, false, seqHeader(seqOpts{reducedStill: true, wBits: 7, hBits: 7, width: 65, height: 127})), []byte{0x30, 0xff}))
	f.Fuzz(func(t *testing.T, unit []byte) {
		var joined []byte
		for rest := unit; len(rest) > 0; {
			o, next, ok := NextOBU(rest)
			if !ok {
				joined = nil
				break
			}
			if !bytes.HasPrefix(o.Raw, o.Header) || !bytes.HasSuffix(o.Raw, o.Payload) || len(o.Raw) == 0 {
				t.Fatalf("OBU %+v: header and payload not within it", o)
			}
			joined, rest = append(joined, o.Raw...), next
		}
		if joined != nil && !bytes.Equal(joined, unit) {
			t.Fatalf("OBUs join to % x, not the unit", joined)
		}
		w, h, ok := FrameSize(unit)
		if ok && (w <= 0 || h <= 0) {
			t.Fatalf("FrameSize ok with %dx%d", w, h)
		}
		if IsKeyframe(unit) && !ok {
			t.Fatal("a keyframe without a frame size")
		}
	})
}
