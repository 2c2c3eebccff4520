package rtpio

import (
	"fmt"

	"github.com/webrtc-cli/webrtc-cli/media"
)

// checkCodec refuses a codec without a payloader and frame rules here.
// Adding a codec means a media.Codec, a payloader in newPayloader and frame
// rules in newFrameRules.
func checkCodec(c *media.Codec) error {
	switch c {
	case media.VP8, media.VP9, media.AV1, media.H264, media.Opus:
		return nil
	}
	return fmt.Errorf("%w: %v", ErrUnknownCodec, c)
}
