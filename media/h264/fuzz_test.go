package h264

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// FuzzReader feeds arbitrary bytes to the Reader, then its units to a
// Writer. Neither may panic; every unit must be in the canonical form
// AccessUnit.Data promises, timed without gaps, and no bigger than the
// input allows.
func FuzzReader(f *testing.F) {
	for _, fx := range fixtures {
		data := mediatest.ReadTestdata(f, fx.file)
		f.Add(data[:min(len(data), 6000)])
	}
	f.Add(mediatest.ReadTestdata(f, "h264-bframes.h264")[:5000])
	p1 := pic(idrConf, 1)
	f.Add(annexB(tick50.nal(), ppsPOC.nal(), []byte{0x09, 0xf0}, idrConf.nal(), []byte{0x0c, 0xff}, p1.nal(), []byte{0x0a}))
	ps := tick50
	ps.picStruct, ps.nalHRD, ps.fieldCoding = true, true, true
	f.Add(annexB(ps.nal(), ppsPOC.nal(), picTimingSEI(ps, 7), func() []byte { s := idrConf; s.sps = ps; return s.nal() }()))
	f.Add([]byte{0, 0, 1, 0x67, 0, 0, 3, 0, 0, 0, 1})
	f.Add([]byte{0, 0, 0, 0, 0, 1})

	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		r, err := NewReader(bytes.NewReader(data), Options{})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		w := NewWriter(&buf)
		total := 0
		var next uint64
		for n := 0; ; n++ {
			au, err := r.Next()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					if _, again := r.Next(); again == nil || again.Error() != err.Error() {
						t.Fatalf("error not sticky: %v then %v", err, again)
					}
				}
				break
			}
			if len(au.Data) == 0 || !bytes.Equal(canonical(au.Data), au.Data) {
				t.Fatalf("unit %d not canonical: % x", n, au.Data[:min(len(au.Data), 32)])
			}
			if au.PTS != next {
				t.Fatalf("unit %d: PTS %d, previous ended at %d", n, au.PTS, next)
			}
			next = au.PTS + uint64(au.Duration)
			if au.Keyframe && !hasIDR(au.Data) {
				t.Fatalf("unit %d: keyframe without IDR", n)
			}
			if au.Keyframe != IsKeyframe(au.Data) {
				t.Fatalf("unit %d: Keyframe %v, IsKeyframe %v", n, au.Keyframe, IsKeyframe(au.Data))
			}
			if nals, ok := AppendNALUnits(nil, au.Data); !ok || !bytes.Equal(annexB(nals...), au.Data) {
				t.Fatalf("unit %d: AppendNALUnits does not give back its NAL units", n)
			}
			total += len(au.Data)
			if total > 2*len(data)+4 {
				t.Fatalf("%d bytes of units from %d of input", total, len(data))
			}
			if err := w.WriteAccessUnit(au.Data); err != nil {
				t.Fatalf("unit %d: Writer: %v", n, err)
			}
		}
	})
}

func hasIDR(au []byte) bool {
	for _, nal := range bytes.Split(au, startCode)[1:] {
		if naluType(nal[0]) == nalIDR {
			return true
		}
	}
	return false
}
