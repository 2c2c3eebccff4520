package rtpio

import (
	"github.com/pion/rtp/codecs"
	"github.com/webrtc-cli/webrtc-cli/media"
)

func newPayloader(c *media.Codec) payloader {
	switch c {
	case media.VP8:
		return &vp8Payloader{pion: codecs.VP8Payloader{EnablePictureID: true}}
	case media.VP9:
		// Non-flexible mode: pion's flexible mode never sets the P bit nor
		// reference indices, so a receiver takes every frame for an
		// independent one.
		return &vp9Payloader{}
	case media.AV1:
		return &av1Payloader{}
	case media.Opus:
		return opusPayloader{}
	case media.H264:
		return &h264Payloader{}
	}
	panic("rtpio: no payloader for " + c.Name)
}

type opusPayloader struct{}

// payload sends an Opus packet as it is: RFC 7587 never fragments Opus.
func (opusPayloader) payload(_ uint16, frame []byte) ([][]byte, error) {
	out := make([]byte, len(frame))
	copy(out, frame)

	return [][]byte{out}, nil
}
