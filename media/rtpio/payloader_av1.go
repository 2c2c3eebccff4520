package rtpio

import (
	"fmt"

	"github.com/pion/rtp/codecs"
	"github.com/pion/rtp/codecs/av1/obu"
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

func checkAV1Unit(unit []byte) error {
	for off := 0; off < len(unit); {
		h, err := obu.ParseOBUHeader(unit[off:])
		if err != nil {
			return fmt.Errorf("%w: AV1 OBU at %d: %w", ErrMalformedFrame, off, err)
		}
		off += h.Size()
		if !h.HasSizeField {
			return nil // runs to the end of the unit
		}
		size, n, err := obu.ReadLeb128(unit[off:])
		if err != nil {
			return fmt.Errorf("%w: AV1 OBU size at %d: %w", ErrMalformedFrame, off, err)
		}
		off += int(n)
		if size > uint(len(unit)-off) {
			return fmt.Errorf("%w: AV1 OBU of %d bytes at %d overruns the %d-byte unit",
				ErrMalformedFrame, size, off, len(unit))
		}
		off += int(size)
	}

	return nil
}
