package ivf

// FrameSize returns the coded picture size carried in a keyframe, or
// ok=false if frame is not a keyframe (AV1: has no sequence header) of the
// codec named by fourcc. It reads only headers and never panics.
//
// For AV1 this is the sequence header's max_frame_width/height, the size
// every keyframe has unless it overrides it, which encoders used with WebRTC
// do not do. For VP9 it is the first frame of a superframe.
func FrameSize(fourcc string, frame []byte) (w, h int, ok bool) {
	switch fourcc {
	case "VP80":
		return vp8Size(frame)
	case "VP90":
		k, ok := parseVP9(frame)
		return k.width, k.height, ok && k.key
	case "AV01":
		s, ok := av1Scan(frame)
		return s.width, s.height, ok && s.hasSeq
	}
	return 0, 0, false
}

// IsKeyframe reports whether frame can start decoding: a VP8 or VP9
// keyframe, or an AV1 temporal unit holding a sequence header and a
// KEY_FRAME frame header.
func IsKeyframe(fourcc string, frame []byte) bool {
	switch fourcc {
	case "VP80":
		_, _, ok := vp8Size(frame)
		return ok
	case "VP90":
		k, ok := parseVP9(frame)
		return ok && k.key
	case "AV01":
		s, ok := av1Scan(frame)
		return ok && s.hasSeq && s.key
	}
	return false
}
