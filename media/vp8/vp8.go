// Package vp8 reads what webrtc-cli needs from a VP8 frame header (RFC 6386
// 9.1): whether the frame is a keyframe, and the picture size a keyframe
// carries. The IVF and Matroska writers, the RTP frame assembler and
// media.Codec all ask it.
package vp8

import "encoding/binary"

// FrameSize parses a keyframe header: a 3-byte frame tag whose bit 0 is 0
// for keyframes, the start code 9d 01 2a, then 14-bit width and height,
// each with 2 bits of upscaling we ignore. ok is false for interframes and
// for anything that is not a VP8 keyframe.
func FrameSize(frame []byte) (w, h int, ok bool) {
	if len(frame) < 10 || frame[0]&1 != 0 {
		return 0, 0, false
	}
	if frame[3] != 0x9d || frame[4] != 0x01 || frame[5] != 0x2a {
		return 0, 0, false
	}
	w = int(binary.LittleEndian.Uint16(frame[6:]) & 0x3fff)
	h = int(binary.LittleEndian.Uint16(frame[8:]) & 0x3fff)
	return w, h, w > 0 && h > 0
}

// IsKeyframe reports whether a decoder can start at frame. A keyframe
// without a picture size is no keyframe: no decoder can start there.
func IsKeyframe(frame []byte) bool {
	_, _, ok := FrameSize(frame)
	return ok
}
