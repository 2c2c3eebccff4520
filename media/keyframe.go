package media

import (
	"github.com/webrtc-cli/webrtc-cli/media/av1"
	"github.com/webrtc-cli/webrtc-cli/media/h264"
	"github.com/webrtc-cli/webrtc-cli/media/vp8"
	"github.com/webrtc-cli/webrtc-cli/media/vp9"
)

// Keyframe reports whether a decoder can start at frame: a VP8 or VP9
// keyframe, an AV1 temporal unit with a sequence header and a KEY_FRAME,
// an H264 access unit with an IDR slice; every Opus packet. Senders and the
// RTP frame assembler both ask it; each codec's package has the one test
// of its keyframes.
func (c *Codec) Keyframe(frame []byte) bool {
	switch c {
	case VP8:
		return vp8.IsKeyframe(frame)
	case VP9:
		return vp9.IsKeyframe(frame)
	case AV1:
		return av1.IsKeyframe(frame)
	case H264:
		return h264.IsKeyframe(frame)
	}
	return c.Kind == Audio
}
