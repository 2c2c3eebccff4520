package ogg

import "fmt"

// maxPacketSamples is 120 ms at 48 kHz, the longest packet RFC 6716 allows.
const maxPacketSamples = 5760

// frameSamples is the frame size in 48 kHz samples for each TOC config
// (RFC 6716 3.1, table 2): SILK 10/20/40/60 ms, Hybrid 10/20 ms,
// CELT 2.5/5/10/20 ms.
var frameSamples = [32]uint32{
	480, 960, 1920, 2880, // SILK NB
	480, 960, 1920, 2880, // SILK MB
	480, 960, 1920, 2880, // SILK WB
	480, 960, // Hybrid SWB
	480, 960, // Hybrid FB
	120, 240, 480, 960, // CELT NB
	120, 240, 480, 960, // CELT WB
	120, 240, 480, 960, // CELT SWB
	120, 240, 480, 960, // CELT FB
}

// PacketDuration returns the duration of an Opus packet in 48 kHz samples
// from its TOC byte and, for code 3, its frame count byte. It checks the
// framing rules that can be checked without parsing frame lengths.
func PacketDuration(data []byte) (uint32, error) {
	if len(data) == 0 {
		return 0, fmt.Errorf("%w: empty packet", ErrInvalidPacket)
	}
	toc := data[0]
	fs := frameSamples[toc>>3]
	var frames uint32
	switch toc & 3 {
	case 0:
		frames = 1
	case 1: // two frames of equal size
		if (len(data)-1)%2 != 0 {
			return 0, fmt.Errorf("%w: code 1 with odd payload length %d", ErrInvalidPacket, len(data)-1)
		}
		frames = 2
	case 2: // two frames, the first one's length coded
		if len(data) < 2 {
			return 0, fmt.Errorf("%w: code 2 without frame length", ErrInvalidPacket)
		}
		frames = 2
	case 3:
		if len(data) < 2 {
			return 0, fmt.Errorf("%w: code 3 without frame count", ErrInvalidPacket)
		}
		frames = uint32(data[1] & 0x3f)
		if frames == 0 {
			return 0, fmt.Errorf("%w: code 3 with zero frames", ErrInvalidPacket)
		}
	}
	if d := frames * fs; d <= maxPacketSamples {
		return d, nil
	}
	return 0, fmt.Errorf("%w: %d frames of %d samples exceed 120 ms", ErrInvalidPacket, frames, fs)
}
