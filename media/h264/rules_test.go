package h264

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// Synthetic streams for the access unit and timing rules that x264 output
// does not reach. A tick is 1/50 s (1800 at 90 kHz) unless a case says.
var (
	tick50  = spsConf{profile: 77, level: 30, wMbs: 10, hMapUnits: 8, pocType: 0, timing: true, units: 1, scale: 50, reorder: 0}
	ppsPOC  = ppsConf{bottomPOC: true, redundant: true}
	idrConf = sliceConf{idr: true, refIdc: 3, sliceType: 7, sps: tick50, pps: ppsPOC}
)

// pics returns count slices: pictures with increasing frame_num and POC.
func pic(base sliceConf, n int) sliceConf {
	s := base
	if n > 0 {
		s.idr, s.sliceType = false, 5
	}
	s.frameNum, s.pocLsb = uint32(n%16), uint32(2*n%64)
	return s
}

func unitSizes(aus []AccessUnit) string {
	var b bytes.Buffer
	for _, au := range aus {
		fmt.Fprintf(&b, "%d@%d ", bytes.Count(au.Data, startCode), au.PTS)
	}
	return b.String()
}

func TestReaderAccessUnitRules(t *testing.T) {
	sps, pps := tick50.nal(), ppsPOC.nal()
	p1, p2 := pic(idrConf, 1), pic(idrConf, 2)
	same := func(f func(s *sliceConf)) []byte { s := p1; f(&s); return s.nal() }
	aud := []byte{0x09, 0xf0}
	eos := []byte{0x0a}
	for _, c := range []struct {
		name string
		nals [][]byte
		want string // NAL units kept per unit, @PTS
	}{
		{"one slice per picture", [][]byte{sps, pps, idrConf.nal(), p1.nal(), p2.nal()}, "3@0 1@3600 1@7200 "},
		{"slices of one picture", [][]byte{sps, pps, idrConf.nal(), func() []byte { s := idrConf; s.firstMb = 40; return s.nal() }(),
			p1.nal(), same(func(s *sliceConf) { s.firstMb = 40 })}, "4@0 2@3600 "},
		// Pictures whose first slice does not start at macroblock 0 (lost,
		// or arbitrary slice order) are told apart by the §7.4.1.2.4 fields.
		{"frame_num differs", [][]byte{sps, pps, idrConf.nal(), same(func(s *sliceConf) { s.firstMb = 9 }),
			same(func(s *sliceConf) { s.firstMb = 9; s.frameNum = 2 })}, "3@0 1@3600 1@7200 "},
		{"nal_ref_idc zero vs not", [][]byte{sps, pps, idrConf.nal(), same(func(s *sliceConf) { s.firstMb = 9 }),
			same(func(s *sliceConf) { s.firstMb = 9; s.refIdc = 0 })}, "3@0 1@3600 1@7200 "},
		{"nal_ref_idc both non-zero", [][]byte{sps, pps, idrConf.nal(), same(func(s *sliceConf) { s.firstMb = 9 }),
			same(func(s *sliceConf) { s.firstMb = 19; s.refIdc = 1 })}, "3@0 2@3600 "},
		{"pic_order_cnt_lsb differs", [][]byte{sps, pps, idrConf.nal(), same(func(s *sliceConf) { s.firstMb = 9 }),
			same(func(s *sliceConf) { s.firstMb = 9; s.pocLsb = 4 })}, "3@0 1@3600 1@7200 "},
		{"delta_pic_order_cnt_bottom differs", [][]byte{sps, pps, idrConf.nal(), same(func(s *sliceConf) { s.firstMb = 9 }),
			same(func(s *sliceConf) { s.firstMb = 9; s.deltaPoc[0] = 1 })}, "3@0 1@3600 1@7200 "},
		{"idr_pic_id differs", [][]byte{sps, pps, idrConf.nal(),
			func() []byte { s := idrConf; s.firstMb = 9; s.idrPicID = 1; return s.nal() }()}, "3@0 1@3600 "},
		{"IDR after non-IDR", [][]byte{sps, pps, idrConf.nal(), same(func(s *sliceConf) { s.firstMb = 9; s.frameNum = 0; s.pocLsb = 0 }),
			func() []byte { s := idrConf; s.firstMb = 9; return s.nal() }()}, "3@0 1@3600 1@7200 "},
		// The standard forbids consecutive IDR pictures with one idr_pic_id;
		// encoders do it anyway, and macroblock 0 splits them.
		{"repeated idr_pic_id", [][]byte{sps, pps, idrConf.nal(), idrConf.nal()}, "3@0 1@3600 "},
		{"redundant picture stays", [][]byte{sps, pps, idrConf.nal(), func() []byte { s := idrConf; s.redundantCnt = 1; return s.nal() }(),
			p1.nal()}, "4@0 1@3600 "},
		{"delimiters start units and go", [][]byte{aud, sps, pps, idrConf.nal(), aud, p1.nal(), aud, p2.nal()}, "3@0 1@3600 1@7200 "},
		{"SEI, SPS, PPS start units", [][]byte{sps, pps, idrConf.nal(), {0x06, 0x05, 0x01, 0xaa, 0x80}, p1.nal(), pps, p2.nal(), sps, pps,
			pic(idrConf, 0).nal()}, "3@0 2@3600 2@7200 3@10800 "},
		{"end of sequence stays", [][]byte{sps, pps, idrConf.nal(), eos, sps, pps, idrConf.nal()}, "4@0 3@3600 "},
		{"filler goes", [][]byte{sps, pps, idrConf.nal(), {0x0c, 0xff, 0x80}, p1.nal()}, "3@0 1@3600 "},
	} {
		t.Run(c.name, func(t *testing.T) {
			aus := mustReadAll(t, annexB(c.nals...), Options{})
			if got := unitSizes(aus); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}

func TestReaderTiming(t *testing.T) {
	fields := tick50
	fields.fieldCoding = true
	field := func(n int, bottom bool) []byte {
		s := sliceConf{refIdc: 3, sliceType: 5, sps: fields, pps: ppsPOC, field: true, bottom: bottom,
			frameNum: uint32(n), pocLsb: uint32(2 * n)}
		if n == 0 && !bottom {
			s.idr, s.sliceType = true, 7
		}
		if bottom {
			s.pocLsb++
		}
		return s.nal()
	}
	ps := tick50
	ps.picStruct, ps.nalHRD = true, true
	psPic := func(n int) []byte { s := pic(idrConf, n); s.sps = ps; return s.nal() }
	ntsc := spsConf{profile: 77, level: 30, wMbs: 10, hMapUnits: 8, pocType: 0, timing: true, units: 1001, scale: 60000, reorder: 0}
	ntscPic := func(n int) []byte { s := pic(idrConf, n); s.sps = ntsc; return s.nal() }
	vfr := tick50
	vfr.units, vfr.scale = 1, 2000
	vfrPic := func(n int) []byte { s := pic(idrConf, n); s.sps = vfr; return s.nal() }
	vfrFixed := vfr
	vfrFixed.fixed = true

	for _, c := range []struct {
		name string
		nals [][]byte
		fps  Rational
		want string
		err  error
	}{
		// Each field is a unit and lasts one tick.
		{"field pairs", [][]byte{fields.nal(), ppsPOC.nal(), field(0, false), field(0, true), field(1, false), field(1, true)},
			Rational{}, "3@0 1@1800 1@3600 1@5400 ", nil},
		{"field pairs at a given rate", [][]byte{fields.nal(), ppsPOC.nal(), field(0, false), field(0, true), field(1, false)},
			Rational{25, 1}, "3@0 1@1800 1@3600 ", nil},
		// pic_struct: frame (2 ticks), doubling (4), tripling (6), three
		// fields (3), then one with no timing SEI (2).
		{"pic_struct", [][]byte{ps.nal(), ppsPOC.nal(), picTimingSEI(ps, 0), psPic(0), picTimingSEI(ps, 7), psPic(1),
			picTimingSEI(ps, 8), psPic(2), picTimingSEI(ps, 5), psPic(3), psPic(4), psPic(5)},
			Rational{}, "4@0 2@3600 2@10800 2@21600 1@27000 1@30600 ", nil},
		{"reserved pic_struct", [][]byte{ps.nal(), ppsPOC.nal(), picTimingSEI(ps, 13), psPic(0), psPic(1)},
			Rational{}, "4@0 1@3600 ", nil},
		// A new SPS with other timing: its units go on from where the time
		// had got, each still an exact product.
		{"timing changes", [][]byte{tick50.nal(), ppsPOC.nal(), idrConf.nal(), pic(idrConf, 1).nal(), ntsc.nal(), ppsPOC.nal(),
			ntscPic(0), ntscPic(1), ntscPic(2)}, Rational{}, "3@0 1@3600 3@7200 1@10203 1@13206 ", nil},
		{"1/1000 timebase", [][]byte{vfr.nal(), ppsPOC.nal(), vfrPic(0), vfrPic(1)}, Rational{}, "", ErrNoFrameRate},
		{"1/1000 timebase at a given rate", [][]byte{vfr.nal(), ppsPOC.nal(), vfrPic(0), vfrPic(1)}, Rational{25, 1}, "3@0 1@3600 ", nil},
		{"1000 fps, fixed", [][]byte{vfrFixed.nal(), ppsPOC.nal(), vfrPic(0), vfrPic(1)}, Rational{}, "3@0 1@90 ", nil},
		{"B slice", [][]byte{tick50.nal(), ppsPOC.nal(), idrConf.nal(), pic(idrConf, 1).nal(),
			func() []byte { s := pic(idrConf, 2); s.sliceType = 6; return s.nal() }()}, Rational{}, "3@0 1@3600 ", ErrBFrames},
	} {
		t.Run(c.name, func(t *testing.T) {
			aus, _, err := readAll(t, bytes.NewReader(annexB(c.nals...)), Options{FPS: c.fps})
			if !errors.Is(err, c.err) {
				t.Fatalf("err %v, want %v", err, c.err)
			}
			if got := unitSizes(aus); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}
