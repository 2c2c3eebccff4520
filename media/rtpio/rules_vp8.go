package rtpio

import (
	"fmt"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"github.com/webrtc-cli/webrtc-cli/media"
)

// vp8Rules: a frame starts at S=1 with partition index 0 (RFC 7741 §4.2).
type vp8Rules struct {
	codec *media.Codec
	pkt   codecs.VP8Packet
}

func (r *vp8Rules) start(payload []byte) bool {
	body, err := r.pkt.Unmarshal(payload)

	return err == nil && r.pkt.S == 1 && r.pkt.PID == 0 && len(body) > 0
}

func (*vp8Rules) single() bool { return false }

func (r *vp8Rules) assemble(dst []byte, pkts []*rtp.Packet) ([]byte, bool, error) {
	if !r.start(pkts[0].Payload) {
		return dst, false, fmt.Errorf("%w: VP8 frame without a start", errCorruptFrame)
	}
	base := len(dst)
	for _, p := range pkts {
		body, err := r.pkt.Unmarshal(p.Payload)
		if err != nil {
			return dst, false, fmt.Errorf("%w: VP8 descriptor: %w", errCorruptFrame, err)
		}
		dst = append(dst, body...)
	}

	return dst, r.codec.Keyframe(dst[base:]), nil
}
