package rtpio

import (
	"fmt"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"github.com/webrtc-cli/webrtc-cli/media"
)

const (
	av1FlagZ = 0x80 // first OBU element continues one from the previous packet
	av1FlagY = 0x40 // last OBU element continues in the next packet
	av1FlagN = 0x08 // first packet of a coded video sequence
)

// temporalDelimiter is the OBU that starts every temporal unit in IVF and
// Annex-B-less AV1 files; RTP omits it, so assemble puts it back.
var temporalDelimiter = []byte{0x12, 0x00}

// av1Rules: a frame starts at a packet whose first OBU element is not a
// continuation (Z=0); every fragment chain must close (Y of one packet equals
// Z of the next, Y=0 on the last). pion's AV1Depacketizer silently drops a
// fragment whose chain is broken, so the chain is checked here. A keyframe
// has a sequence header and a KEY_FRAME frame header; the N bit alone is not
// used, as pion sets it on any packet starting with a sequence header.
type av1Rules struct{ codec *media.Codec }

func (av1Rules) start(payload []byte) bool {
	// pion needs an aggregation header and at least one byte of OBU data.
	return len(payload) >= 2 && payload[0]&av1FlagZ == 0
}

func (av1Rules) single() bool { return false }

func (r av1Rules) assemble(dst []byte, pkts []*rtp.Packet) ([]byte, bool, error) {
	if !r.start(pkts[0].Payload) {
		return dst, false, fmt.Errorf("%w: AV1 frame starts with a fragment", errCorruptFrame)
	}
	base := len(dst)
	dst = append(dst, temporalDelimiter...)
	var d codecs.AV1Depacketizer
	continues := false
	for _, p := range pkts {
		if len(p.Payload) < 2 || (p.Payload[0]&av1FlagZ != 0) != continues {
			return dst, false, fmt.Errorf("%w: AV1 fragment chain broken at %d", errCorruptFrame, p.SequenceNumber)
		}
		out, err := d.Unmarshal(p.Payload)
		if err != nil {
			return dst, false, fmt.Errorf("%w: AV1 payload: %w", errCorruptFrame, err)
		}
		dst = append(dst, out...)
		continues = p.Payload[0]&av1FlagY != 0
	}
	if continues {
		return dst, false, fmt.Errorf("%w: AV1 frame ends inside an OBU", errCorruptFrame)
	}
	unit := dst[base:]
	if len(unit) == len(temporalDelimiter) {
		return dst, false, fmt.Errorf("%w: AV1 frame without OBUs", errCorruptFrame)
	}

	return dst, r.codec.Keyframe(unit), nil
}
