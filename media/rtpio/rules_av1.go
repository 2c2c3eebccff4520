package rtpio

import (
	"fmt"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/rtp/codecs/av1/obu"
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
type av1Rules struct{}

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

	return dst, av1Keyframe(unit), nil
}

// av1Keyframe reports whether a temporal unit (OBUs with size fields) holds a
// sequence header and starts a KEY_FRAME (AV1 spec §5.9.2).
func av1Keyframe(unit []byte) bool {
	haveSeq, reduced := false, false
	for off := 0; off < len(unit); {
		h, err := obu.ParseOBUHeader(unit[off:])
		if err != nil || !h.HasSizeField {
			return false
		}
		off += h.Size()
		size, n, err := obu.ReadLeb128(unit[off:])
		if err != nil {
			return false
		}
		off += int(n)
		if size > uint(len(unit)-off) {
			return false
		}
		payload := unit[off : off+int(size)]
		off += int(size)
		if len(payload) == 0 {
			continue
		}

		switch h.Type {
		case obu.OBUSequenceHeader:
			haveSeq = true
			// seq_profile f(3), still_picture f(1), reduced_still_picture_header f(1)
			reduced = payload[0]&0x08 != 0
		case obu.OBUFrameHeader, obu.OBUFrame:
			if !haveSeq {
				return false
			}
			if reduced {
				return true // a reduced still picture is always a key frame
			}
			// show_existing_frame f(1), frame_type f(2): KEY_FRAME is 0.
			return payload[0]&0x80 == 0 && payload[0]&0x60 == 0
		}
	}

	return false
}
