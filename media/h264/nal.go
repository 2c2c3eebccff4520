package h264

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
// RTP depacketizers write it.
var startCode = []byte{0, 0, 0, 1}

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

// IsKeyframe reports whether an Annex-B access unit holds an IDR slice, so
// that a decoder can start at it.
func IsKeyframe(au []byte) bool {
	for i := 0; i+3 < len(au); i++ {
		if au[i] == 0 && au[i+1] == 0 && au[i+2] == 1 {
			if naluType(au[i+3]) == nalIDR {
				return true
			}
			i += 2
		}
	}
	return false
}
