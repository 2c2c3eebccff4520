package rtpio

import (
	"fmt"

	"github.com/pion/rtp/codecs"
	"github.com/pion/rtp/codecs/vp9"
)

const (
	vp9FlagP = 0x40
	vp9FlagV = 0x02
	// vp9SSSize is the scalability structure pion writes on keyframes.
	vp9SSSize = 8
	// vp9NonFlexHeader is pion's non-flexible descriptor: flags and a
	// 15-bit picture id.
	vp9NonFlexHeader = 3
)

// vp9Payloader wraps pion's non-flexible VP9Payloader, which parses each
// frame's uncompressed header to tell keyframes (P=0 plus a scalability
// structure) from inter frames.
type vp9Payloader struct {
	pion codecs.VP9Payloader
}

func (v *vp9Payloader) payload(maxPayload uint16, frame []byte) ([][]byte, error) {
	var h vp9.Header
	if err := h.Unmarshal(frame); err != nil {
		// pion would return no packets and the frame would vanish.
		return nil, fmt.Errorf("%w: VP9 header: %w", ErrMalformedFrame, err)
	}
	out := v.pion.Payload(maxPayload, frame)
	if h.ShowExistingFrame && len(out) > 0 {
		out[0] = unmarkShowExisting(out[0])
	}

	return out, nil
}

// unmarkShowExisting fixes pion's descriptor for a show_existing_frame frame
// (1-2 bytes that redisplay a decoded frame). pion reads NonKeyFrame=false
// from the half-parsed header and sends it as a keyframe: P=0 and a 0x0
// scalability structure, which a receiver takes for a random access point.
func unmarkShowExisting(first []byte) []byte {
	if len(first) < vp9NonFlexHeader+vp9SSSize || first[0]&vp9FlagV == 0 {
		return first
	}
	first[0] = (first[0] | vp9FlagP) &^ vp9FlagV
	n := copy(first[vp9NonFlexHeader:], first[vp9NonFlexHeader+vp9SSSize:])

	return first[:vp9NonFlexHeader+n]
}
