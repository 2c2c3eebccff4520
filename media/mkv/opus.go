package mkv

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/ogg"
)

const (
	opusRate = 48000
	// defaultPreSkip is libopus's encoder delay at 48 kHz, what WebRTC
	// senders use; the true value of a stream joined mid-call is unknown.
	defaultPreSkip = 312
	// opusSeekPreRoll is what Matroska's Opus mapping recommends: decoders
	// need 80 ms of audio before a seek point to converge.
	opusSeekPreRoll = 80_000_000 // ns
)

// opusHead returns the CodecPrivate and channel count for an Opus track:
// the caller's OpusHead, checked, or a mapping family 0 one built from
// channels (0 meaning 2, as WebRTC's opus/48000/2 rtpmap says).
func opusHead(spec TrackSpec) (head []byte, channels int, preSkip uint16, err error) {
	if spec.SampleRate != 0 && spec.SampleRate != opusRate {
		return nil, 0, 0, fmt.Errorf("%w: opus at %d Hz (Matroska stores Opus at 48000)", ErrBadTrack, spec.SampleRate)
	}
	if head = spec.CodecPrivate; head != nil {
		if len(head) < 19 || string(head[:8]) != "OpusHead" || head[9] == 0 {
			return nil, 0, 0, fmt.Errorf("%w: CodecPrivate is not an OpusHead", ErrBadTrack)
		}
		channels = int(head[9])
		if spec.Channels != 0 && spec.Channels != channels {
			return nil, 0, 0, fmt.Errorf("%w: %d channels but the OpusHead says %d", ErrBadTrack, spec.Channels, channels)
		}
		return head, channels, binary.LittleEndian.Uint16(head[10:]), nil
	}
	channels = spec.Channels
	if channels == 0 {
		channels = 2
	}
	if channels < 1 || channels > 2 {
		return nil, 0, 0, fmt.Errorf("%w: %d opus channels need an OpusHead with a channel mapping", ErrBadTrack, channels)
	}
	head = []byte("OpusHead")
	head = append(head, 1, byte(channels))
	head = binary.LittleEndian.AppendUint16(head, defaultPreSkip)
	head = binary.LittleEndian.AppendUint32(head, opusRate)
	head = binary.LittleEndian.AppendUint16(head, 0) // output gain
	head = append(head, 0)                           // mapping family
	return head, channels, defaultPreSkip, nil
}

// opusDuration is the length of an Opus packet from its TOC, which must
// be valid: a decoder would reject the packet otherwise.
func opusDuration(packet []byte) (time.Duration, error) {
	n, err := ogg.PacketDuration(packet)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrBadFrame, err)
	}
	return time.Duration(n) * time.Second / opusRate, nil
}
