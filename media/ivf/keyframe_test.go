package ivf

import (
	"github.com/webrtc-cli/webrtc-cli/media/av1"
	"github.com/webrtc-cli/webrtc-cli/media/vp8"
	"github.com/webrtc-cli/webrtc-cli/media/vp9"
)

// isKeyframe asks the codec a FourCC names, as media.Codec.Keyframe does
// outside this package (which cannot import media).
func isKeyframe(fourcc string, frame []byte) bool {
	k := map[string]func([]byte) bool{"VP80": vp8.IsKeyframe, "VP90": vp9.IsKeyframe, "AV01": av1.IsKeyframe}[fourcc]
	return k != nil && k(frame)
}
