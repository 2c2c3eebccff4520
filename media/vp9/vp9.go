// Package vp9 reads what webrtc-cli needs from a VP9 frame's uncompressed
// header (VP9 spec 6.2): whether it is a keyframe, and its picture size.
// The IVF and Matroska writers, the RTP frame assembler and media.Codec
// all ask it.
package vp9

import "github.com/webrtc-cli/webrtc-cli/media/internal/bitstream"

// IsKeyframe reports whether a decoder can start at frame: its first frame
// (of a superframe) is a keyframe. It does not know RTP: a receiver checks
// the payload descriptor's P bit itself.
func IsKeyframe(frame []byte) bool {
	_, _, ok := FrameSize(frame)
	return ok
}

// FrameSize returns the picture size of a keyframe, or of the first frame
// of a superframe if that is one; ok is false for every other frame.
func FrameSize(frame []byte) (w, h int, ok bool) {
	k, ok := parse(firstFrame(frame))
	return k.width, k.height, ok && k.key
}

// header is what we need from an uncompressed header.
type header struct {
	key           bool
	width, height int
}

const syncCode = 0x498342

// parse reads an uncompressed header. ok is false for data that is not a
// VP9 frame at all.
func parse(frame []byte) (header, bool) {
	b := bitstream.NewReader(frame)
	if b.Bits(2) != 2 { // frame_marker
		return header{}, false
	}
	low := b.Bit()
	profile := b.Bit()<<1 | low
	if profile == 3 {
		b.Bit() // reserved_zero
	}
	if b.Flag() { // show_existing_frame: a repeat, no new picture
		b.Bits(3)
		return header{}, !b.Bad()
	}
	frameType := b.Bit()
	b.Bits(2) // show_frame, error_resilient_mode
	if frameType != 0 {
		return header{}, !b.Bad()
	}
	if b.Bits(24) != syncCode {
		return header{}, false
	}
	// color_config
	if profile >= 2 {
		b.Bit() // ten_or_twelve_bit
	}
	const csRGB = 7
	if b.Bits(3) != csRGB {
		b.Bit() // color_range
		if profile == 1 || profile == 3 {
			b.Bits(3) // subsampling_x, subsampling_y, reserved_zero
		}
	} else if profile == 1 || profile == 3 {
		b.Bit() // reserved_zero
	}
	w := int(b.Bits(16)) + 1
	h := int(b.Bits(16)) + 1
	if b.Bad() {
		return header{}, false
	}
	return header{key: true, width: w, height: h}, true
}
