package ogg

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"testing"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// FuzzReader checks that no input makes the Reader panic, loop or return an
// undocumented error, and that what reads cleanly survives a Writer round
// trip with the same packets and starts.
func FuzzReader(f *testing.F) {
	paths, _ := filepath.Glob(mediatest.Testdata("*.ogg"))
	for _, p := range paths {
		// Whole files are read by the ordinary tests; the fuzzer gets the
		// headers and first audio pages, as small seeds mutate faster.
		b := mediatest.ReadTestdata(f, filepath.Base(p))
		f.Add(b[:min(len(b), 1500)])
	}
	f.Add(opusHeaders().raw(0, -1, []byte{255}, opus(255, false)).
		raw(flagContinued|flagEOS, 960, []byte{4}, []byte{1, 2, 3, 4}).buf)
	documented := []error{ErrCapture, ErrVersion, ErrCRC, ErrTruncated, ErrCorrupt,
		ErrNotOpus, ErrInvalidPacket, ErrPacketTooLarge}
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(err error) {
			for _, e := range documented {
				if errors.Is(err, e) {
					return
				}
			}
			t.Fatalf("undocumented error: %v", err)
		}
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			check(err)
			return
		}
		var pkts []Packet
		for {
			p, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				check(err)
				return
			}
			if n := len(pkts); n > 0 && p.Start < pkts[n-1].Start+uint64(pkts[n-1].Duration) {
				t.Fatalf("packet %d starts at %d, inside the previous one", n, p.Start)
			}
			pkts = append(pkts, p)
		}
		h := r.Head()
		// The Writer fills gaps with concealment packets; keep the fuzzer
		// off hours-long timelines, which are slow, not wrong.
		if h.Channels > 2 || len(pkts) == 0 || pkts[len(pkts)-1].Start > 60*48000 {
			return
		}
		var buf bytes.Buffer
		w, err := NewWriter(&buf, uint8(h.Channels), h.PreSkip)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pkts {
			if err := w.WritePacket(p.Data, p.Start); err != nil {
				if errors.Is(err, ErrPacketTooLarge) {
					return
				}
				t.Fatalf("WritePacket: %v", err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		_, back := readAll(t, buf.Bytes())
		i := 0
		for _, b := range back {
			if i < len(pkts) && b.Start == pkts[i].Start && bytes.Equal(b.Data, pkts[i].Data) {
				i++
			}
		}
		if i != len(pkts) {
			t.Fatalf("round trip kept %d of %d packets", i, len(pkts))
		}
	})
}
