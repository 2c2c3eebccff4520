package rtpio

import "github.com/pion/rtp/codecs"

func newPayloader(c codec) payloader {
	switch c {
	case codecVP8:
		return &vp8Payloader{pion: codecs.VP8Payloader{EnablePictureID: true}}
	case codecVP9:
		// Non-flexible mode: pion's flexible mode never sets the P bit nor
		// reference indices, so a receiver takes every frame for an
		// independent one.
		return &vp9Payloader{}
	case codecAV1:
		return &av1Payloader{}
	case codecOpus:
		return opusPayloader{}
	case codecH264:
		return &h264Payloader{}
	}
	panic("rtpio: no payloader for " + c.String())
}

type opusPayloader struct{}

// payload sends an Opus packet as it is: RFC 7587 never fragments Opus.
func (opusPayloader) payload(_ uint16, frame []byte) ([][]byte, error) {
	out := make([]byte, len(frame))
	copy(out, frame)

	return [][]byte{out}, nil
}
