package h264

import "github.com/webrtc-cli/webrtc-cli/media/internal/bitstream"

// deltaTfiDivisor is the duration in ticks of each pic_struct value
// (Table E-6 via Table D-1): a field lasts one tick, a frame two, a frame
// shown with a repeated field three, doubled four, tripled six.
var deltaTfiDivisor = [9]uint64{2, 1, 1, 2, 2, 3, 3, 4, 6}

const seiPicTiming = 1

// findPicTiming returns a copy of the payload of the picture timing SEI
// message (§D.1.3) in SEI NAL unit nal, or nil if it has none.
func findPicTiming(nal []byte) []byte {
	rbsp := unescape(nil, nal[1:], -1)
	for len(rbsp) > 1 || len(rbsp) == 1 && rbsp[0] != 0x80 {
		typ, n := seiValue(rbsp)
		size, m := seiValue(rbsp[n:])
		if n == 0 || m == 0 {
			return nil
		}
		rbsp = rbsp[n+m:]
		if size > len(rbsp) {
			return nil
		}
		if typ == seiPicTiming {
			return rbsp[:size:size]
		}
		rbsp = rbsp[size:]
	}
	return nil
}

// picStruct reads pic_struct from a picture timing payload, laid out as
// the active SPS says; ok is false if it has none or a reserved value.
func picStruct(payload []byte, s *SPS) (ps uint32, ok bool) {
	b := bitstream.NewReader(payload)
	if s.cpbDpbDelays {
		b.Bits(s.cpbRemovalDelayLen)
		b.Bits(s.dpbOutputDelayLen)
	}
	ps = b.Bits(4)
	return ps, !b.Bad() && ps < uint32(len(deltaTfiDivisor))
}

// seiValue reads a payload type or size: 0xFF bytes add 255 each. n is
// the bytes read, 0 if the value does not end.
func seiValue(b []byte) (v, n int) {
	for i, c := range b {
		v += int(c)
		if c != 0xff {
			return v, i + 1
		}
		if v > 1<<20 {
			break
		}
	}
	return 0, 0
}
