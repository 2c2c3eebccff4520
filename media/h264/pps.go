package h264

import (
	"fmt"
	"math/bits"

	"github.com/webrtc-cli/webrtc-cli/media/internal/bitstream"
)

// pps holds the picture parameter set fields slice headers depend on
// (§7.3.2.2, up to redundant_pic_cnt_present_flag).
type pps struct {
	id, spsID           uint32
	bottomFieldPicOrder bool // bottom_field_pic_order_in_frame_present_flag
	redundantPicCntFlag bool
}

func parsePPS(nal []byte) (pps, error) {
	var p pps
	b := bitstream.NewReader(unescape(nil, nal[1:], -1))
	p.id, p.spsID = b.UE(), b.UE()
	if p.id > 255 || p.spsID > 31 {
		return p, fmt.Errorf("%w: ids %d/%d", ErrBadPPS, p.id, p.spsID)
	}
	b.Bits(1) // entropy_coding_mode_flag
	p.bottomFieldPicOrder = b.Flag()
	if groups := b.UE(); groups > 7 {
		return p, fmt.Errorf("%w: num_slice_groups_minus1 %d", ErrBadPPS, groups)
	} else if groups > 0 && !skipSliceGroups(&b, groups) {
		return p, fmt.Errorf("%w: slice group map", ErrBadPPS)
	}
	b.UE()    // num_ref_idx_l0_default_active_minus1
	b.UE()    // num_ref_idx_l1_default_active_minus1
	b.Bits(3) // weighted_pred_flag, weighted_bipred_idc
	b.SE()    // pic_init_qp_minus26
	b.SE()    // pic_init_qs_minus26
	b.SE()    // chroma_qp_index_offset
	b.Bits(2) // deblocking_filter_control_present_flag, constrained_intra_pred_flag
	p.redundantPicCntFlag = b.Flag()
	if b.Bad() {
		return p, fmt.Errorf("%w: cut short", ErrBadPPS)
	}
	return p, nil
}

// skipSliceGroups walks the FMO slice group map of a PPS.
func skipSliceGroups(b *bitstream.Reader, groups uint32) bool {
	switch b.UE() { // slice_group_map_type
	case 0:
		for range groups + 1 {
			b.UE() // run_length_minus1
		}
	case 2:
		for range groups {
			b.UE() // top_left
			b.UE() // bottom_right
		}
	case 3, 4, 5:
		b.Bits(1) // slice_group_change_direction_flag
		b.UE()    // slice_group_change_rate_minus1
	case 6:
		units := uint64(b.UE()) + 1
		n := bits.Len32(groups) // Ceil(Log2(groups+1))
		if b.Bad() || units*uint64(n) > uint64(b.Left()) {
			return false
		}
		for range units {
			b.Bits(n)
		}
	case 1:
	default:
		return false
	}
	return !b.Bad()
}
