package rtpio

import "github.com/pion/rtp/codecs"

// vp8Payloader is pion's, with a picture id on every frame: without one on
// the first frame Chromium decodes frame 0 and nothing more until the next
// keyframe. pion before rtp v1.10.6 left the id off whenever its counter was
// 0; TestVP8PictureIDEveryFrame pins that it no longer does.
type vp8Payloader struct {
	pion codecs.VP8Payloader
}

func (v *vp8Payloader) payload(maxPayload uint16, frame []byte) ([][]byte, error) {
	return v.pion.Payload(maxPayload, frame), nil
}
