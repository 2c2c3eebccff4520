package rtpio

import (
	"github.com/pion/rtp"
	"github.com/webrtc-cli/webrtc-cli/media"
)

// frameRules is what the Assembler needs to know about a payload format.
// The Assembler finds a frame's packets (a run of contiguous sequence numbers
// with one timestamp, ending at the marker bit); the rules say where a frame
// may begin and turn the run into a frame.
type frameRules interface {
	// start reports whether a packet with this payload can be the first of
	// a frame.
	start(payload []byte) bool
	// single reports that every packet is a whole frame (audio).
	single() bool
	// assemble appends the frame carried by pkts (in order, none empty) to
	// dst, and reports whether it is a keyframe. An error means the packets
	// do not form a valid frame.
	assemble(dst []byte, pkts []*rtp.Packet) ([]byte, bool, error)
}

// unmarkedStart is implemented by the rules of payload formats without a
// start-of-frame bit (H264), where a packet that can begin a frame may as
// well be a later one of a frame whose first packets were lost. After a
// loss, the Assembler takes such a frame for a keyframe only if its first
// packet passes firstOnly.
type unmarkedStart interface {
	// firstOnly reports that a packet can only be the first of a frame.
	firstOnly(payload []byte) bool
}

// newFrameRules returns c's rules. They ask c.Keyframe whether a frame they
// assembled is a keyframe, as senders do of the frames they read from
// files: media.Codec is the one place each codec's keyframes are
// recognised. H264's rules ask h264.IsKeyframeNAL, what c.Keyframe goes by,
// of each NAL unit as they copy it.
func newFrameRules(c *media.Codec) frameRules {
	switch c {
	case media.VP8:
		return &vp8Rules{codec: c}
	case media.VP9:
		return &vp9Rules{codec: c}
	case media.AV1:
		return av1Rules{codec: c}
	case media.Opus:
		return opusRules{codec: c}
	case media.H264:
		return h264Rules{}
	}
	panic("rtpio: no frame rules for " + c.Name)
}

type opusRules struct{ codec *media.Codec }

func (opusRules) start([]byte) bool { return true }

func (opusRules) single() bool { return true }

// assemble copies the packet: RFC 7587 puts exactly one Opus packet in each
// RTP packet.
func (r opusRules) assemble(dst []byte, pkts []*rtp.Packet) ([]byte, bool, error) {
	p := pkts[0].Payload
	return append(dst, p...), r.codec.Keyframe(p), nil
}
