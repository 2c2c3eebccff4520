package h264

import "bytes"

// NAL unit types (H.264 Table 7-1) that matter here.
const (
	nalSlice       = 1
	nalSliceA      = 2 // data partition A: carries the slice header
	nalIDR         = 5
	nalSEI         = 6
	nalSPS         = 7
	nalPPS         = 8
	nalAUD         = 9
	nalFiller      = 12
	nalPrefix      = 14 // first of the types 14-18 that start an access unit
	nalReserved18  = 18
	nalAggregation = 24 // 24-31 are unspecified, and RTP uses them
)

// startCode is what Reader puts before every NAL unit: the 4-byte form, as
// RTP depacketizers write it. Every start code ends with startCode3.
var (
	startCode  = []byte{0, 0, 0, 1}
	startCode3 = []byte{0, 0, 1}
)

// naluType is the type of the NAL unit whose header byte is h.
func naluType(h byte) int { return int(h & 0x1f) }

// startsAccessUnit reports whether a non-VCL NAL unit of type t that
// follows a picture begins the next access unit (§7.4.1.2.3).
func startsAccessUnit(t int) bool {
	switch {
	case t == nalSEI, t == nalSPS, t == nalPPS, t == nalAUD:
		return true
	case t >= nalPrefix && t <= nalReserved18:
		return true
	}
	return false
}

// vcl reports whether type t is a coded slice of the primary picture.
func vcl(t int) bool { return t >= nalSlice && t <= nalIDR }

// dropped reports NAL units Reader leaves out of AccessUnit.Data because
// RTP payloaders (pion's among them) do not send them: they carry no
// picture data.
func dropped(t int) bool { return t == nalAUD || t == nalFiller }

// IsKeyframeNAL reports whether a NAL unit with header byte h makes its
// access unit a keyframe: an IDR slice, where a decoder can start (an SPS
// and PPS alone are not one). IsKeyframe, the Reader and the RTP frame
// assembler, which meets NAL types as it copies them, all go by it.
func IsKeyframeNAL(h byte) bool { return naluType(h) == nalIDR }

// IsKeyframe reports whether an Annex-B access unit holds an IDR slice, so
// that a decoder can start at it. media.Codec.Keyframe asks it.
func IsKeyframe(au []byte) bool {
	for {
		// bytes.Index skips the slice data far faster than a byte loop.
		i := bytes.Index(au, startCode3)
		if i < 0 || i+len(startCode3) >= len(au) {
			return false
		}
		if IsKeyframeNAL(au[i+len(startCode3)]) {
			return true
		}
		au = au[i+len(startCode3):]
	}
}
