package ivf

import (
	"github.com/webrtc-cli/webrtc-cli/media/av1"
	"github.com/webrtc-cli/webrtc-cli/media/vp8"
	"github.com/webrtc-cli/webrtc-cli/media/vp9"
)

// FrameSize returns the picture size carried in a keyframe of the codec
// IVF names fourcc, or ok=false if frame is not one (AV1: has no sequence
// header). The Writer fills the file header with it. It reads only
// headers, with media/vp8, vp9 and av1, and never panics.
func FrameSize(fourcc string, frame []byte) (w, h int, ok bool) {
	switch fourcc {
	case "VP80":
		return vp8.FrameSize(frame)
	case "VP90":
		return vp9.FrameSize(frame)
	case "AV01":
		return av1.FrameSize(frame)
	}
	return 0, 0, false
}
