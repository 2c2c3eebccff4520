package rtpio

import "github.com/pion/rtp/codecs"

// vp8PictureIDSize is the size of the X byte plus a 7-bit picture id.
const vp8PictureIDSize = 2

// vp8Payloader puts a picture id on every frame. pion's VP8Payloader, even
// with EnablePictureID, leaves it off whenever its counter is 0: on the first
// frame and every 32768th. Chromium then decodes frame 0 and nothing more
// until the next keyframe. We add the id 0 descriptor ourselves, so ids stay
// contiguous.
type vp8Payloader struct {
	pion codecs.VP8Payloader
	// nextID mirrors pion's unexported counter; a test pins the two together.
	nextID uint16
}

func (v *vp8Payloader) payload(maxPayload uint16, frame []byte) ([][]byte, error) {
	if v.nextID != 0 {
		out := v.pion.Payload(maxPayload, frame)
		v.advance(out)

		return out, nil
	}

	// pion writes a 1-byte descriptor for id 0: ask for 2 bytes less and
	// widen each fragment's descriptor to X=1, I=1, M=0, PictureID=0.
	out := v.pion.Payload(maxPayload-vp8PictureIDSize, frame)
	for i, f := range out {
		g := make([]byte, len(f)+vp8PictureIDSize)
		g[0] = f[0] | 0x80 // X: extension byte present
		g[1] = 0x80        // I: picture id present
		g[2] = 0x00        // M=0, 7-bit picture id 0
		copy(g[3:], f[1:])
		out[i] = g
	}
	v.advance(out)

	return out, nil
}

func (v *vp8Payloader) advance(out [][]byte) {
	// pion leaves its counter alone when it produced nothing.
	if len(out) > 0 {
		v.nextID = (v.nextID + 1) & 0x7FFF
	}
}
