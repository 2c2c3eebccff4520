package mp4

import (
	"fmt"

	"github.com/Eyevinn/mp4ff/mp4"

	"github.com/webrtc-cli/webrtc-cli/media/ogg"
)

// preSkip is libopus's encoder delay at 48 kHz, what WebRTC senders use;
// the true value of a stream joined mid-call is unknown. An edit list
// skips it, as Opus-in-ISOBMFF (4.4) says, so the packet at pts p plays
// its first real sample at p, as in Ogg and Matroska.
const preSkip = 312

// opusEntry is the Opus sample entry with its dOps (Opus-in-ISOBMFF 4.3):
// mapping family 0, for mono or stereo.
func opusEntry(channels int) *mp4.AudioSampleEntryBox {
	dOps := &mp4.DopsBox{
		OutputChannelCount: byte(channels),
		PreSkip:            preSkip,
		InputSampleRate:    opusRate,
	}
	return mp4.CreateAudioSampleEntryBox("Opus", uint16(channels), 16, opusRate, dOps)
}

// opusDuration is the length of an Opus packet from its TOC, in 48 kHz
// ticks. The TOC must be valid: a decoder would reject the packet.
func opusDuration(packet []byte) (uint64, error) {
	n, err := ogg.PacketDuration(packet)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrBadFrame, err)
	}
	return uint64(n), nil
}
