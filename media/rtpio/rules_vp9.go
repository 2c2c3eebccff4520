package rtpio

import (
	"fmt"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"github.com/webrtc-cli/webrtc-cli/media"
)

// vp9Rules: a frame starts at B=1 and its marker packet has E=1. It is a
// keyframe when the descriptor's P bit is 0 and the uncompressed header says
// so: the P bit alone is not enough, since pion's flexible mode never sets it
// and its non-flexible mode clears it for show_existing_frame frames.
type vp9Rules struct {
	codec *media.Codec
	pkt   codecs.VP9Packet
}

// unmarshal resets the slices pion's VP9Packet appends to without clearing:
// a reused VP9Packet otherwise grows PGTID/PGU forever and fails flexible-mode
// packets with "too many PDiff" after a few frames.
func (r *vp9Rules) unmarshal(payload []byte) ([]byte, error) {
	r.pkt.PDiff = r.pkt.PDiff[:0]
	r.pkt.PGTID = r.pkt.PGTID[:0]
	r.pkt.PGU = r.pkt.PGU[:0]

	return r.pkt.Unmarshal(payload)
}

func (r *vp9Rules) start(payload []byte) bool {
	body, err := r.unmarshal(payload)

	return err == nil && r.pkt.B && len(body) > 0
}

func (*vp9Rules) single() bool { return false }

func (r *vp9Rules) assemble(dst []byte, pkts []*rtp.Packet) ([]byte, bool, error) {
	if !r.start(pkts[0].Payload) {
		return dst, false, fmt.Errorf("%w: VP9 frame without B bit", errCorruptFrame)
	}
	predicted := r.pkt.P
	base := len(dst)
	for _, p := range pkts {
		body, err := r.unmarshal(p.Payload)
		if err != nil {
			return dst, false, fmt.Errorf("%w: VP9 descriptor: %w", errCorruptFrame, err)
		}
		dst = append(dst, body...)
	}
	if !r.pkt.E {
		return dst, false, fmt.Errorf("%w: VP9 frame ends without E bit", errCorruptFrame)
	}

	return dst, !predicted && r.codec.Keyframe(dst[base:]), nil
}
