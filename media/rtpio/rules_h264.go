package rtpio

import (
	"encoding/binary"
	"fmt"

	"github.com/pion/rtp"

	"github.com/webrtc-cli/webrtc-cli/media/h264"
)

// h264Rules: RFC 6184 packetization mode 1 (single NAL unit, STAP-A,
// FU-A), rebuilt as Annex-B with 4-byte start codes, as pion's H264Packet
// does. It is not used: it joins whatever FU-A fragments it is given into
// one NAL unit, keeps an unfinished one to prepend to the next, and turns a
// STAP-A entry of size 0 into a bare start code; so each payload is checked
// and copied here in one pass, and a frame whose fragments do not chain is
// corrupt. The same pass tells keyframes by h264.IsKeyframeNAL, which
// media.Codec.Keyframe goes by too, rather than scanning the frame again.
//
// H.264 has no start-of-frame bit: any packet but an FU-A continuation may
// begin a frame, and after a loss a packet that looks like a start may be
// the second of a frame whose first was lost (a STAP-A with SPS and PPS
// before the IDR slice). So after a loss a frame is trusted only if it
// opens with a NAL unit that can only begin an access unit: an SPS or an
// access unit delimiter (firstOnly).
type h264Rules struct{}

func (h264Rules) start(payload []byte) bool {
	if len(payload) == 0 {
		return false
	}
	switch typ := payload[0] & h264TypeMask; {
	case typ >= 1 && typ <= h264StapA:
		return true
	case typ == h264FuA:
		return len(payload) >= 2 && payload[1]&h264FuStart != 0
	}
	return false
}

func (h264Rules) firstOnly(payload []byte) bool {
	typ := payload[0] & h264TypeMask
	switch {
	case typ == h264StapA && len(payload) > 3:
		typ = payload[3] & h264TypeMask
	case typ == h264FuA && len(payload) > 1:
		typ = payload[1] & h264TypeMask
	}
	return typ == h264SPS || typ == h264AUD
}

func (h264Rules) single() bool { return false }

func (h264Rules) assemble(dst []byte, pkts []*rtp.Packet) ([]byte, bool, error) {
	key, fu := false, byte(0) // fu: type of the NAL unit being fragmented
	for _, p := range pkts {
		var k bool
		var err error
		if dst, k, fu, err = appendH264Payload(dst, p.Payload, fu); err != nil {
			return dst, false, fmt.Errorf("%w: H264 packet %d: %w", errCorruptFrame, p.SequenceNumber, err)
		}
		key = key || k
	}
	if fu != 0 {
		return dst, false, fmt.Errorf("%w: H264 frame ends inside a fragmented NAL unit", errCorruptFrame)
	}
	return dst, key, nil
}

var h264StartCode4 = []byte{0, 0, 0, 1}

// appendH264Payload appends the NAL units (or the part of one) in RTP
// payload p to dst, given the type of the NAL unit whose FU-A fragments are
// in progress (0: none). It reports whether p carries a NAL unit that
// makes a keyframe, and the fragmentation state after it.
func appendH264Payload(dst, p []byte, fu byte) (out []byte, key bool, next byte, err error) {
	typ := p[0] & h264TypeMask
	if typ != h264FuA && fu != 0 {
		return dst, false, 0, fmt.Errorf("type %d inside a fragmented NAL unit", typ)
	}
	switch {
	case typ >= 1 && typ < h264StapA:
		return append(append(dst, h264StartCode4...), p...), h264.IsKeyframeNAL(p[0]), 0, nil
	case typ == h264StapA:
		n := 0
		for off := 1; off < len(p); n++ {
			if off+2 > len(p) {
				return dst, false, 0, fmt.Errorf("STAP-A cut inside a size field")
			}
			size := int(binary.BigEndian.Uint16(p[off:]))
			off += 2
			if size == 0 || off+size > len(p) {
				return dst, false, 0, fmt.Errorf("STAP-A entry of %d bytes in %d left", size, len(p)-off)
			}
			t := p[off] & h264TypeMask
			if t == 0 || t >= h264StapA {
				return dst, false, 0, fmt.Errorf("STAP-A holds type %d", t)
			}
			dst = append(append(dst, h264StartCode4...), p[off:off+size]...)
			key = key || h264.IsKeyframeNAL(p[off])
			off += size
		}
		if n == 0 {
			return dst, false, 0, fmt.Errorf("empty STAP-A")
		}
		return dst, key, 0, nil
	case typ == h264FuA:
		if len(p) < 2 {
			return dst, false, 0, fmt.Errorf("FU-A without FU header")
		}
		s, e, t := p[1]&h264FuStart != 0, p[1]&h264FuEnd != 0, p[1]&h264TypeMask
		switch {
		case t == 0 || t >= h264StapA:
			return dst, false, 0, fmt.Errorf("FU-A of type %d", t)
		case s && e:
			return dst, false, 0, fmt.Errorf("FU-A with both start and end bits")
		case s && fu != 0:
			return dst, false, 0, fmt.Errorf("FU-A start inside another")
		case !s && fu != t:
			return dst, false, 0, fmt.Errorf("FU-A fragment of type %d without its start", t)
		}
		if s {
			// The NAL unit header: F and NRI from the FU indicator, the
			// type from the FU header (RFC 6184 §5.8).
			dst = append(append(dst, h264StartCode4...), p[0]&^h264TypeMask|t)
		}
		dst = append(dst, p[2:]...)
		if e {
			return dst, h264.IsKeyframeNAL(t), 0, nil
		}
		return dst, h264.IsKeyframeNAL(t), t, nil
	}
	return dst, false, 0, fmt.Errorf("unsupported NAL unit type %d", typ)
}
