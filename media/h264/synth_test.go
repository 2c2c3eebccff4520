package h264

import (
	"bytes"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// bitWriter builds the parameter sets and slice headers of synthetic
// streams.
type bitWriter struct{ mediatest.BitWriter }

// nal finishes the RBSP (rbsp_trailing_bits) and returns it as a NAL unit
// with header byte h, emulation prevention added.
func (w *bitWriter) nal(h byte) []byte {
	w.U(1, 1)
	for w.Len()%8 != 0 {
		w.U(1, 0)
	}
	return append([]byte{h}, mediatest.Escape(w.Bytes())...)
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
	w.U(8, uint32(c.profile))
	w.U(8, uint32(c.constraints))
	w.U(8, uint32(c.level))
	w.UE(c.id)
	if highProfile(c.profile) {
		w.UE(c.chroma)
		if c.chroma == 3 {
			w.Flag(false)
		}
		w.UE(0) // bit_depth_luma_minus8
		w.UE(0)
		w.Flag(false)
		w.Flag(c.scaling)
		if c.scaling {
			for i := range 8 {
				w.Flag(i%2 == 0)
				if i%2 == 0 {
					size := 16
					if i >= 6 {
						size = 64
					}
					for j := range size {
						w.SE(int32(j%5) - 2)
					}
				}
			}
		}
	}
	w.UE(0) // log2_max_frame_num_minus4
	w.UE(c.pocType)
	switch c.pocType {
	case 0:
		w.UE(2)
	case 1:
		w.Flag(false) // delta_pic_order_always_zero_flag
		w.SE(-2)
		w.SE(1)
		w.UE(2)
		w.SE(3)
		w.SE(-1)
	}
	w.UE(1)
	w.Flag(false)
	w.UE(c.wMbs)
	w.UE(c.hMapUnits)
	w.Flag(!c.fieldCoding)
	if c.fieldCoding {
		w.Flag(false)
	}
	w.Flag(true)
	cropping := c.crop != [4]uint32{}
	w.Flag(cropping)
	if cropping {
		for _, v := range c.crop {
			w.UE(v)
		}
	}
	vui := c.timing || c.reorder >= 0 || c.picStruct || c.nalHRD
	w.Flag(vui)
	if vui {
		w.Flag(true) // aspect_ratio_info_present_flag
		w.U(8, 255)  // Extended_SAR
		w.U(16, 4)
		w.U(16, 3)
		w.Flag(false)
		w.Flag(true) // video_signal_type_present_flag
		w.U(4, 5)
		w.Flag(true)
		w.U(24, 0x010101)
		w.Flag(false)
		w.Flag(c.timing)
		if c.timing {
			w.U(32, c.units)
			w.U(32, c.scale)
			w.Flag(c.fixed)
		}
		w.Flag(c.nalHRD)
		if c.nalHRD {
			w.UE(1) // two CPBs
			w.U(8, 0x34)
			for range 2 {
				w.UE(1000)
				w.UE(2000)
				w.Flag(true)
			}
			w.U(5, 23)
			w.U(5, 9) // cpb_removal_delay_length_minus1: 10 bits
			w.U(5, 5) // dpb_output_delay_length_minus1: 6 bits
			w.U(5, 24)
		}
		w.Flag(false)
		if c.nalHRD {
			w.Flag(false)
		}
		w.Flag(c.picStruct)
		w.Flag(c.reorder >= 0)
		if c.reorder >= 0 {
			w.Flag(true)
			w.UE(2)
			w.UE(1)
			w.UE(16)
			w.UE(16)
			w.UE(uint32(c.reorder))
			w.UE(4)
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
	w.UE(c.id)
	w.UE(c.spsID)
	w.Flag(false)
	w.Flag(c.bottomPOC)
	w.UE(c.sliceGroups)
	if c.sliceGroups > 0 {
		w.UE(6)
		w.UE(c.sliceGroupUnits - 1)
		n := 0
		for 1<<n < c.sliceGroups+1 {
			n++
		}
		for i := range c.sliceGroupUnits {
			w.U(n, i%(c.sliceGroups+1))
		}
	}
	w.UE(0)
	w.UE(0)
	w.Flag(false)
	w.U(2, 0)
	w.SE(0)
	w.SE(0)
	w.SE(-2)
	w.Flag(true)
	w.Flag(false)
	w.Flag(c.redundant)
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
	w.UE(c.firstMb)
	w.UE(c.sliceType)
	w.UE(c.pps.id)
	w.U(4, c.frameNum)
	if c.sps.fieldCoding {
		w.Flag(c.field)
		if c.field {
			w.Flag(c.bottom)
		}
	}
	if c.idr {
		w.UE(c.idrPicID)
	}
	switch c.sps.pocType {
	case 0:
		w.U(6, c.pocLsb)
		if c.pps.bottomPOC && !c.field {
			w.SE(c.deltaPoc[0])
		}
	case 1:
		w.SE(c.deltaPoc[0])
		if c.pps.bottomPOC && !c.field {
			w.SE(c.deltaPoc[1])
		}
	}
	if c.pps.redundant {
		w.UE(c.redundantCnt)
	}
	w.U(16, 0xa5a5) // stands in for the slice data
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
	w.U(8, 5) // user_data_unregistered
	w.U(8, 20)
	for i := range 20 {
		w.U(8, uint32(i))
	}
	var t bitWriter
	if c.nalHRD {
		t.U(10, 3)
		t.U(6, 1)
	}
	t.U(4, ps)
	t.U(1, 0) // clock_timestamp_flag
	for t.Len()%8 != 0 {
		t.U(1, 0)
	}
	w.U(8, seiPicTiming)
	w.U(8, uint32(len(t.Bytes())))
	for _, b := range t.Bytes() {
		w.U(8, uint32(b))
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
