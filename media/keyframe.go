package media

import (
	"github.com/webrtc-cli/webrtc-cli/media/h264"
	"github.com/webrtc-cli/webrtc-cli/media/ivf"
)

// Keyframe reports whether a decoder can start at frame: a VP8 or VP9
// keyframe, an AV1 temporal unit with a sequence header and a KEY_FRAME,
// an H264 access unit with an IDR slice; every Opus packet. This is the one
// place each codec's keyframes are recognised.
func (c *Codec) Keyframe(frame []byte) bool {
	switch c {
	case VP8, VP9, AV1:
		return ivf.IsKeyframe(c.FourCC, frame)
	case H264:
		return h264.IsKeyframe(frame)
	}
	return c.Kind == Audio
}
