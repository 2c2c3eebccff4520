package h264

import (
	"bytes"
	"errors"
	"testing"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// stripParameterSets removes the SPS and PPS from every unit but the first,
// as a sender that sends them once does.
func stripParameterSets(aus []AccessUnit) [][]byte {
	out := make([][]byte, len(aus))
	for i, au := range aus {
		if i == 0 {
			out[i] = au.Data
			continue
		}
		var b []byte
		for _, nal := range bytes.Split(au.Data, startCode)[1:] {
			if t := naluType(nal[0]); t != nalSPS && t != nalPPS {
				b = append(append(b, startCode...), nal...)
			}
		}
		out[i] = b
	}
	return out
}

func writeAll(t *testing.T, units [][]byte) ([]byte, *Writer) {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for i, u := range units {
		if err := w.WriteAccessUnit(u); err != nil {
			t.Fatalf("unit %d: %v", i, err)
		}
	}
	return buf.Bytes(), w
}

func TestWriterRoundTrip(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.file, func(t *testing.T) {
			data := mediatest.ReadTestdata(t, fx.file)
			aus := mustReadAll(t, data, Options{})
			// x264 repeats SPS/PPS at every IDR: nothing is added, and the
			// file is the input in canonical form.
			out, w := writeAll(t, dataOf(aus))
			if !bytes.Equal(out, canonical(data)) || w.Missing() != 0 {
				t.Fatalf("%d bytes, want %d; missing %d", len(out), len(canonical(data)), w.Missing())
			}
			// Parameter sets sent once: the writer puts them back before
			// each later IDR, so the file is the same again.
			out, w = writeAll(t, stripParameterSets(aus))
			if !bytes.Equal(out, canonical(data)) || w.Missing() != 0 {
				t.Fatalf("stripped: %d bytes, want %d; missing %d", len(out), len(canonical(data)), w.Missing())
			}
		})
	}
}

func TestWriterInsertion(t *testing.T) {
	sps, pps := tick50.nal(), ppsPOC.nal()
	sps1 := tick50
	sps1.id, sps1.wMbs = 1, 20
	pps1 := ppsConf{id: 4, spsID: 1, bottomPOC: true, redundant: true}
	idr1 := idrConf
	idr1.sps, idr1.pps = sps1, pps1
	idr, p := idrConf.nal(), pic(idrConf, 1).nal()
	aud := []byte{0x09, 0xf0}
	sei := []byte{0x06, 0x05, 0x01, 0xaa, 0x80}
	for _, c := range []struct {
		name    string
		units   [][][]byte
		want    [][]byte // NAL units written, in order
		missing int
	}{
		{"complete", [][][]byte{{sps, pps, idr}, {p}, {sps, pps, idr}}, [][]byte{sps, pps, idr, p, sps, pps, idr}, 0},
		{"both missing", [][][]byte{{sps, pps, idr}, {p}, {idr}}, [][]byte{sps, pps, idr, p, sps, pps, idr}, 0},
		{"PPS missing", [][][]byte{{sps, pps, idr}, {sps, idr}}, [][]byte{sps, pps, idr, sps, pps, idr}, 0},
		{"SPS missing", [][][]byte{{sps, pps, idr}, {pps, idr}}, [][]byte{sps, pps, idr, sps, pps, idr}, 0},
		{"after the delimiter", [][][]byte{{sps, pps, idr}, {aud, idr}}, [][]byte{sps, pps, idr, aud, sps, pps, idr}, 0},
		{"SEI stays after", [][][]byte{{sps, pps, idr}, {aud, sei, idr}}, [][]byte{sps, pps, idr, aud, sps, pps, sei, idr}, 0},
		{"PPS after the SPS", [][][]byte{{sps, pps, idr}, {aud, sps, sei, idr}}, [][]byte{sps, pps, idr, aud, sps, pps, sei, idr}, 0},
		{"never seen", [][][]byte{{idr}, {p}}, [][]byte{idr, p}, 1},
		{"PPS seen, not its SPS", [][][]byte{{pps, idr}}, [][]byte{pps, idr}, 1},
		// The IDR's own PPS names the SPS: ids are followed, not the last
		// parameter sets written.
		{"by id", [][][]byte{{sps, pps, idr}, {sps1.nal(), pps1.nal(), idr1.nal()}, {idr}, {idr1.nal()}},
			[][]byte{sps, pps, idr, sps1.nal(), pps1.nal(), idr1.nal(), sps, pps, idr, sps1.nal(), pps1.nal(), idr1.nal()}, 0},
		{"non-IDR untouched", [][][]byte{{sps, pps, idr}, {p}, {p}}, [][]byte{sps, pps, idr, p, p}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			var units [][]byte
			for _, u := range c.units {
				units = append(units, annexB(u...))
			}
			out, w := writeAll(t, units)
			if want := annexB(c.want...); !bytes.Equal(out, want) {
				t.Errorf("wrote % x\nwant  % x", out, want)
			}
			if w.Missing() != c.missing {
				t.Errorf("Missing %d, want %d", w.Missing(), c.missing)
			}
		})
	}
}

type failWriter struct{ after int }

func (f *failWriter) Write(b []byte) (int, error) {
	if f.after <= 0 {
		return 0, errors.New("disk full")
	}
	f.after--
	return len(b), nil
}

func TestWriterErrors(t *testing.T) {
	w := NewWriter(&failWriter{})
	for _, bad := range [][]byte{nil, {}, {0, 0, 0}, {1, 2, 3}, {0xab, 0, 0, 1, 0x41}, {0, 0, 1}, {0, 1, 0x41}} {
		if err := w.WriteAccessUnit(bad); !errors.Is(err, ErrNotAnnexB) {
			t.Errorf("% x: %v", bad, err)
		}
	}
	if err := w.WriteAccessUnit(annexB(pic(idrConf, 1).nal())); !errors.Is(err, ErrWrite) {
		t.Errorf("write error: %v", err)
	}
	// Failing on the inserted parameter sets, after the delimiter.
	sps, pps := tick50.nal(), ppsPOC.nal()
	w = NewWriter(&failWriter{after: 2})
	if err := w.WriteAccessUnit(annexB(sps, pps, idrConf.nal())); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteAccessUnit(annexB([]byte{0x09, 0xf0}, idrConf.nal())); !errors.Is(err, ErrWrite) {
		t.Errorf("write error: %v", err)
	}
	// 3-byte start codes and trailing zeros pass through as they are.
	var buf bytes.Buffer
	w = NewWriter(&buf)
	in := []byte{0, 0, 1, 0x41, 0x9a, 0, 0, 0, 0, 1, 0x41, 0x9b, 0}
	if err := w.WriteAccessUnit(in); err != nil || !bytes.Equal(buf.Bytes(), in) {
		t.Errorf("% x, %v", buf.Bytes(), err)
	}
}
