package rtpio

import (
	"bytes"
	"fmt"

	"github.com/pion/rtp/codecs"
)

// H.264 NAL unit types (H.264 Table 7-1, RFC 6184 §5.2) that matter here.
const (
	h264SPS    = 7
	h264PPS    = 8
	h264AUD    = 9
	h264Filler = 12
	h264StapA  = 24
	h264FuA    = 28

	h264TypeMask = 0x1f
	h264FuStart  = 0x80
	h264FuEnd    = 0x40
)

var h264StartCode = []byte{0, 0, 1}

// h264Payloader feeds pion's H264Payloader one access unit in Annex-B form
// (3- or 4-byte start codes). pion sends each NAL unit alone or as FU-A
// fragments, drops access unit delimiters and filler data, and holds an SPS
// and a PPS back to send them together as a STAP-A before the next NAL
// unit. That holding is only right for one SPS directly followed by one
// PPS and then something else: a lone SPS or PPS would be held into the
// next access unit (another timestamp) or overwritten, a PPS before its SPS
// swapped, and a STAP-A over the MTU silently dropped. Other units go with
// STAP-A off, parameter sets as their own packets. pion also passes types
// 0 and 24-31 as they are, which a receiver takes for aggregation or
// fragmentation packets, so those are refused.
type h264Payloader struct {
	nals [][]byte // reused
}

func (h *h264Payloader) payload(maxPayload uint16, frame []byte) ([][]byte, error) {
	nals, err := h.split(frame)
	if err != nil {
		return nil, err
	}
	pion := codecs.H264Payloader{DisableStapA: !stapAFits(nals, maxPayload)}
	return pion.Payload(maxPayload, frame), nil
}

// split cuts frame into NAL units the way pion does (each runs to the next
// 00 00 01, less one zero before it), keeping those pion sends.
func (h *h264Payloader) split(frame []byte) ([][]byte, error) {
	i := bytes.Index(frame, h264StartCode)
	if i < 0 || len(bytes.TrimLeft(frame[:i], "\x00")) > 0 {
		return nil, fmt.Errorf("%w: H264 access unit does not start with a start code", ErrMalformedFrame)
	}
	h.nals = h.nals[:0]
	for i >= 0 {
		start := i + len(h264StartCode)
		next := bytes.Index(frame[start:], h264StartCode)
		end := len(frame)
		if next >= 0 {
			end = start + next
			if frame[end-1] == 0 {
				end-- // the first byte of a 4-byte start code
			}
			i = start + next
		} else {
			i = -1
		}
		nal := frame[start:end]
		if len(nal) == 0 {
			continue
		}
		typ := nal[0] & h264TypeMask
		if nal[0]&0x80 != 0 || typ == 0 || typ >= h264StapA {
			return nil, fmt.Errorf("%w: H264 NAL unit header %#02x at %d (forbidden bit, or a type RTP reserves)",
				ErrMalformedFrame, nal[0], start)
		}
		if typ != h264AUD && typ != h264Filler {
			h.nals = append(h.nals, nal)
		}
	}
	return h.nals, nil
}

// stapAFits reports whether pion's SPS/PPS aggregation sends nals in
// order, complete: exactly one SPS and one PPS, adjacent, something after
// them, and a STAP-A that fits.
func stapAFits(nals [][]byte, maxPayload uint16) bool {
	at := -1
	for i, n := range nals {
		switch n[0] & h264TypeMask {
		case h264SPS:
			if at >= 0 {
				return false
			}
			at = i
		case h264PPS:
			if at < 0 || i != at+1 {
				return false
			}
		}
	}
	if at < 0 || at+2 >= len(nals) {
		return false
	}
	const stapHeader, sizeField = 1, 2
	return stapHeader+2*sizeField+len(nals[at])+len(nals[at+1]) <= int(maxPayload)
}
