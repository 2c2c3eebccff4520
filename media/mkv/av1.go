package mkv

import (
	"fmt"

	"github.com/webrtc-cli/webrtc-cli/media/av1"
)

// splitOBUs returns the OBUs of a temporal unit. ok is false if the
// framing is broken.
func splitOBUs(tu []byte) (obus []av1.OBU, ok bool) {
	for len(tu) > 0 {
		var o av1.OBU
		if o, tu, ok = av1.NextOBU(tu); !ok {
			return nil, false
		}
		obus = append(obus, o)
	}
	return obus, true
}

// av1Block returns the temporal unit as a Matroska block wants it: without
// temporal delimiters (Matroska's AV1 mapping: they SHOULD be removed; the
// block boundary is the delimiter), and the sequence header OBU, if any.
func av1Block(tu []byte) (block []byte, seq av1.OBU, hasSeq bool, err error) {
	block, seq, hasSeq, ok := av1.StripTemporalDelimiters(tu)
	if !ok {
		return nil, av1.OBU{}, false, fmt.Errorf("%w: malformed AV1 OBU framing", ErrBadFrame)
	}
	return block, seq, hasSeq, nil
}

// av1Config builds an AV1CodecConfigurationRecord (av1C, AV1-ISOBMFF
// 2.3.3) whose configOBUs is the sequence header, as Matroska's V_AV1
// CodecPrivate. It also returns the maximum frame size.
func av1Config(seq av1.OBU) (av1C []byte, width, height int, err error) {
	s, ok := av1.ParseSequenceHeader(seq.Payload)
	if !ok || !s.Complete {
		return nil, 0, 0, fmt.Errorf("%w: malformed AV1 sequence header", ErrBadFrame)
	}
	b := []byte{
		0x81, // marker, version 1
		s.Profile<<5 | s.Level0,
		s.Tier0<<7 | s.HighBitdepth<<6 | s.TwelveBit<<5 | s.Mono<<4 |
			s.SubX<<3 | s.SubY<<2 | s.ChromaPos,
		0, // no initial_presentation_delay
	}
	raw := seq.Raw
	if seq.Header[0]&0x02 == 0 { // configOBUs must carry their size
		raw = append([]byte{seq.Header[0] | 0x02}, seq.Header[1:]...)
		raw = av1.AppendLEB128(raw, uint64(len(seq.Payload)))
		raw = append(raw, seq.Payload...)
	}
	return append(b, raw...), s.Width, s.Height, nil
}
