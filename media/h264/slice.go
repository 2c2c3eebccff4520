package h264

import (
	"fmt"

	"github.com/webrtc-cli/webrtc-cli/media/internal/bitstream"
)

// sliceHeader holds the slice header fields (§7.3.3) that tell one primary
// picture from the next (§7.4.1.2.4) and time it.
type sliceHeader struct {
	nalType, nalRefIdc int
	firstMb            uint32
	sliceType          uint32
	ppsID              uint32
	frameNum           uint32
	field, bottom      bool
	idrPicID           uint32
	pocLsb             uint32
	deltaPocBottom     int32
	deltaPoc           [2]int32
	redundantPicCnt    uint32
	sps                *SPS
}

// maxSliceHeader bounds the bytes unescaped to read a header: the fields
// above are at most 7 Exp-Golomb codes of up to 63 bits and 36 fixed bits,
// under 60 bytes.
const maxSliceHeader = 96

// bFrame reports a B slice (slice_type 1 or 6).
func (h *sliceHeader) bFrame() bool { return h.sliceType%5 == 1 }

// parseSliceHeader parses the start of a slice NAL unit of type 1, 2 or 5,
// with the parameter sets seen so far. buf is scratch space.
func parseSliceHeader(nal []byte, spss *[32]*SPS, ppss *[256]*pps, buf []byte) (sliceHeader, error) {
	h := sliceHeader{nalType: naluType(nal[0]), nalRefIdc: int(nal[0] >> 5 & 3)}
	b := bitstream.NewReader(unescape(buf[:0], nal[1:], maxSliceHeader))
	h.firstMb, h.sliceType, h.ppsID = b.UE(), b.UE(), b.UE()
	if b.Bad() || h.sliceType > 9 || h.ppsID > 255 {
		return h, fmt.Errorf("%w: slice_type %d, pic_parameter_set_id %d", ErrBadSlice, h.sliceType, h.ppsID)
	}
	p := ppss[h.ppsID]
	if p == nil {
		return h, fmt.Errorf("%w: a slice refers to PPS %d, which the stream has not carried (does it start mid-stream?)",
			ErrMissingParameterSet, h.ppsID)
	}
	s := spss[p.spsID]
	if s == nil {
		return h, fmt.Errorf("%w: PPS %d refers to SPS %d, which the stream has not carried", ErrMissingParameterSet, p.id, p.spsID)
	}
	h.sps = s
	if s.SeparateColourPlane {
		b.Bits(2) // colour_plane_id
	}
	h.frameNum = b.Bits(s.Log2MaxFrameNum)
	if !s.FrameMbsOnly {
		if h.field = b.Flag(); h.field {
			h.bottom = b.Flag()
		}
	}
	if h.nalType == nalIDR {
		h.idrPicID = b.UE()
	}
	switch s.PicOrderCntType {
	case 0:
		h.pocLsb = b.Bits(s.Log2MaxPicOrderCnt)
		if p.bottomFieldPicOrder && !h.field {
			h.deltaPocBottom = b.SE()
		}
	case 1:
		if !s.DeltaPicOrderAlways0 {
			h.deltaPoc[0] = b.SE()
			if p.bottomFieldPicOrder && !h.field {
				h.deltaPoc[1] = b.SE()
			}
		}
	}
	if p.redundantPicCntFlag {
		h.redundantPicCnt = b.UE()
	}
	if b.Bad() {
		return h, fmt.Errorf("%w: cut short", ErrBadSlice)
	}
	return h, nil
}

// newPicture reports whether slice h begins a primary picture other than
// the one prev began (§7.4.1.2.4). A slice starting at macroblock 0 is
// taken as a new picture too, as ffmpeg's parser does: some encoders repeat
// idr_pic_id on consecutive IDR pictures, which the standard forbids.
func (h *sliceHeader) newPicture(prev *sliceHeader) bool {
	if h.redundantPicCnt > 0 {
		return false // part of the current access unit
	}
	idr, prevIDR := h.nalType == nalIDR, prev.nalType == nalIDR
	poc0 := h.sps.PicOrderCntType == 0 && prev.sps.PicOrderCntType == 0
	poc1 := h.sps.PicOrderCntType == 1 && prev.sps.PicOrderCntType == 1
	return h.firstMb == 0 ||
		h.frameNum != prev.frameNum ||
		h.ppsID != prev.ppsID ||
		h.field != prev.field ||
		h.field && h.bottom != prev.bottom ||
		(h.nalRefIdc == 0) != (prev.nalRefIdc == 0) ||
		poc0 && (h.pocLsb != prev.pocLsb || h.deltaPocBottom != prev.deltaPocBottom) ||
		poc1 && h.deltaPoc != prev.deltaPoc ||
		idr != prevIDR ||
		idr && h.idrPicID != prev.idrPicID
}
