package h264

import "bytes"

// bitWriter writes MSB-first bit fields and Exp-Golomb codes, to build the
// parameter sets and slice headers of synthetic streams.
type bitWriter struct {
	buf  []byte
	bits int
}

func (w *bitWriter) u(n int, v uint32) {
	for i := n - 1; i >= 0; i-- {
		if w.bits%8 == 0 {
			w.buf = append(w.buf, 0)
		}
		if v>>uint(i)&1 == 1 {
			w.buf[len(w.buf)-1] |= 0x80 >> uint(w.bits%8)
		}
		w.bits++
	}
}

func (w *bitWriter) flag(b bool) {
	if b {
		w.u(1, 1)
	} else {
		w.u(1, 0)
	}
}

func (w *bitWriter) ue(v uint32) {
	x := uint64(v) + 1
	n := 0
	for x>>uint(n+1) != 0 {
		n++
	}
	w.u(n, 0)
	w.u(n+1, uint32(x))
}

func (w *bitWriter) se(v int32) {
	if v > 0 {
		w.ue(uint32(2*v - 1))
	} else {
		w.ue(uint32(-2 * v))
	}
}

// nal finishes the RBSP (rbsp_trailing_bits) and returns it as a NAL unit
// with header byte h, emulation prevention added.
func (w *bitWriter) nal(h byte) []byte {
	w.u(1, 1)
	for w.bits%8 != 0 {
		w.u(1, 0)
	}
	return escape(append([]byte{h}, w.buf...))
}

// escape adds emulation prevention bytes to a NAL unit (header first).
func escape(nal []byte) []byte {
	out := []byte{nal[0]}
	zeros := 0
	for _, c := range nal[1:] {
		if zeros >= 2 && c <= 3 {
			out = append(out, 3)
			zeros = 0
		}
		out = append(out, c)
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	return out
}

// spsConf is what a synthetic SPS says.
type spsConf struct {
	profile, constraints, level uint8
	id                          uint32
	chroma                      uint32 // high profiles only
	scaling                     bool   // write scaling lists (high profiles)
	pocType                     uint32
	fieldCoding                 bool // frame_mbs_only_flag 0
	wMbs, hMapUnits             uint32
	crop                        [4]uint32
	timing                      bool
	units, scale                uint32
	fixed                       bool
	nalHRD                      bool
	picStruct                   bool
	reorder                     int // -1: no bitstream_restriction
}

func (c spsConf) nal() []byte {
	var w bitWriter
	w.u(8, uint32(c.profile))
	w.u(8, uint32(c.constraints))
	w.u(8, uint32(c.level))
	w.ue(c.id)
	if highProfile(c.profile) {
		w.ue(c.chroma)
		if c.chroma == 3 {
			w.flag(false)
		}
		w.ue(0) // bit_depth_luma_minus8
		w.ue(0)
		w.flag(false)
		w.flag(c.scaling)
		if c.scaling {
			for i := range 8 {
				w.flag(i%2 == 0)
				if i%2 == 0 {
					size := 16
					if i >= 6 {
						size = 64
					}
					for j := range size {
						w.se(int32(j%5) - 2)
					}
				}
			}
		}
	}
	w.ue(0) // log2_max_frame_num_minus4
	w.ue(c.pocType)
	switch c.pocType {
	case 0:
		w.ue(2)
	case 1:
		w.flag(false) // delta_pic_order_always_zero_flag
		w.se(-2)
		w.se(1)
		w.ue(2)
		w.se(3)
		w.se(-1)
	}
	w.ue(1)
	w.flag(false)
	w.ue(c.wMbs)
	w.ue(c.hMapUnits)
	w.flag(!c.fieldCoding)
	if c.fieldCoding {
		w.flag(false)
	}
	w.flag(true)
	cropping := c.crop != [4]uint32{}
	w.flag(cropping)
	if cropping {
		for _, v := range c.crop {
			w.ue(v)
		}
	}
	vui := c.timing || c.reorder >= 0 || c.picStruct || c.nalHRD
	w.flag(vui)
	if vui {
		w.flag(true) // aspect_ratio_info_present_flag
		w.u(8, 255)  // Extended_SAR
		w.u(16, 4)
		w.u(16, 3)
		w.flag(false)
		w.flag(true) // video_signal_type_present_flag
		w.u(4, 5)
		w.flag(true)
		w.u(24, 0x010101)
		w.flag(false)
		w.flag(c.timing)
		if c.timing {
			w.u(32, c.units)
			w.u(32, c.scale)
			w.flag(c.fixed)
		}
		w.flag(c.nalHRD)
		if c.nalHRD {
			w.ue(1) // two CPBs
			w.u(8, 0x34)
			for range 2 {
				w.ue(1000)
				w.ue(2000)
				w.flag(true)
			}
			w.u(5, 23)
			w.u(5, 9) // cpb_removal_delay_length_minus1: 10 bits
			w.u(5, 5) // dpb_output_delay_length_minus1: 6 bits
			w.u(5, 24)
		}
		w.flag(false)
		if c.nalHRD {
			w.flag(false)
		}
		w.flag(c.picStruct)
		w.flag(c.reorder >= 0)
		if c.reorder >= 0 {
			w.flag(true)
			w.ue(2)
			w.ue(1)
			w.ue(16)
			w.ue(16)
			w.ue(uint32(c.reorder))
			w.ue(4)
		}
	}
	return w.nal(0x67)
}

// ppsConf is what a synthetic PPS says.
type ppsConf struct {
	id, spsID       uint32
	bottomPOC       bool
	redundant       bool
	sliceGroups     uint32 // num_slice_groups_minus1; map type 6 if > 0
	sliceGroupUnits uint32
}

func (c ppsConf) nal() []byte {
	var w bitWriter
	w.ue(c.id)
	w.ue(c.spsID)
	w.flag(false)
	w.flag(c.bottomPOC)
	w.ue(c.sliceGroups)
	if c.sliceGroups > 0 {
		w.ue(6)
		w.ue(c.sliceGroupUnits - 1)
		n := 0
		for 1<<n < c.sliceGroups+1 {
			n++
		}
		for i := range c.sliceGroupUnits {
			w.u(n, i%(c.sliceGroups+1))
		}
	}
	w.ue(0)
	w.ue(0)
	w.flag(false)
	w.u(2, 0)
	w.se(0)
	w.se(0)
	w.se(-2)
	w.flag(true)
	w.flag(false)
	w.flag(c.redundant)
	return w.nal(0x68)
}

// sliceConf is a synthetic slice header, for the SPS/PPS pair it names.
type sliceConf struct {
	idr                bool
	refIdc             byte
	firstMb, sliceType uint32
	pps                ppsConf
	sps                spsConf
	frameNum           uint32
	field, bottom      bool
	idrPicID           uint32
	pocLsb             uint32
	deltaPoc           [2]int32
	redundantCnt       uint32
}

func (c sliceConf) nal() []byte {
	var w bitWriter
	w.ue(c.firstMb)
	w.ue(c.sliceType)
	w.ue(c.pps.id)
	w.u(4, c.frameNum)
	if c.sps.fieldCoding {
		w.flag(c.field)
		if c.field {
			w.flag(c.bottom)
		}
	}
	if c.idr {
		w.ue(c.idrPicID)
	}
	switch c.sps.pocType {
	case 0:
		w.u(6, c.pocLsb)
		if c.pps.bottomPOC && !c.field {
			w.se(c.deltaPoc[0])
		}
	case 1:
		w.se(c.deltaPoc[0])
		if c.pps.bottomPOC && !c.field {
			w.se(c.deltaPoc[1])
		}
	}
	if c.pps.redundant {
		w.ue(c.redundantCnt)
	}
	w.u(16, 0xa5a5) // stands in for the slice data
	typ := byte(nalSlice)
	if c.idr {
		typ = nalIDR
	}
	return w.nal(c.refIdc<<5 | typ)
}

// picTimingSEI is an SEI NAL unit with a user data message (which must be
// skipped) and picture timing carrying pic_struct.
func picTimingSEI(c spsConf, ps uint32) []byte {
	var w bitWriter
	w.u(8, 5) // user_data_unregistered
	w.u(8, 20)
	for i := range 20 {
		w.u(8, uint32(i))
	}
	var t bitWriter
	if c.nalHRD {
		t.u(10, 3)
		t.u(6, 1)
	}
	t.u(4, ps)
	t.u(1, 0) // clock_timestamp_flag
	for t.bits%8 != 0 {
		t.u(1, 0)
	}
	w.u(8, seiPicTiming)
	w.u(8, uint32(len(t.buf)))
	for _, b := range t.buf {
		w.u(8, uint32(b))
	}
	return w.nal(0x06)
}

// annexB joins NAL units behind 4-byte start codes.
func annexB(nals ...[]byte) []byte {
	var b bytes.Buffer
	for _, n := range nals {
		b.Write(startCode)
		b.Write(n)
	}
	return b.Bytes()
}
