package rtpio

import (
	"fmt"

	"github.com/pion/rtp/codecs"
	"github.com/webrtc-cli/webrtc-cli/media/av1"
)

// av1Payloader feeds pion's AV1Payloader, which wants a temporal unit in the
// low-overhead format of IVF: OBUs with obu_has_size_field (only the last
// may omit it). pion strips temporal delimiters and tile lists, clears the
// size fields, and starts a new packet with the N bit at a sequence header.
// On an OBU it cannot parse it stops and sends what it has so far, so the
// unit is checked first.
type av1Payloader struct {
	pion codecs.AV1Payloader
}

func (v *av1Payloader) payload(maxPayload uint16, frame []byte) ([][]byte, error) {
	if err := checkAV1Unit(frame); err != nil {
		return nil, err
	}

	return v.pion.Payload(maxPayload, frame), nil
}

// checkAV1Unit checks the unit's OBU framing, which pion's payloader would
// otherwise stop at without a word.
func checkAV1Unit(unit []byte) error {
	for rest := unit; len(rest) > 0; {
		var ok bool
		if _, rest, ok = av1.NextOBU(rest); !ok {
			return fmt.Errorf("%w: AV1 OBU at %d of the %d-byte unit", ErrMalformedFrame, len(unit)-len(rest), len(unit))
		}
	}
	return nil
}
