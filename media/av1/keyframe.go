package av1

import "github.com/webrtc-cli/webrtc-cli/media/internal/bitstream"

// IsKeyframe reports whether a decoder can start at temporal unit tu: it
// holds a sequence header and its first frame header is a KEY_FRAME. This is
// webrtc-cli's one test of AV1 keyframes, for files and RTP alike.
func IsKeyframe(tu []byte) bool {
	s, ok := scan(tu)
	return ok && s.seq && s.key
}

// FrameSize returns the maximum frame size of the sequence header in tu,
// or ok=false if tu has none or is malformed. It is the size of every
// keyframe that does not override it, which the encoders WebRTC uses never
// do.
func FrameSize(tu []byte) (w, h int, ok bool) {
	s, ok := scan(tu)
	return s.width, s.height, ok && s.seq
}

// unitInfo is what scan learns from a temporal unit.
type unitInfo struct {
	seq           bool // it has a sequence header
	width, height int
	key           bool // its first frame header is a KEY_FRAME
}

// scan walks the OBUs of a temporal unit. ok is false if the framing or a
// sequence header is malformed.
func scan(tu []byte) (info unitInfo, ok bool) {
	var seq SequenceHeader
	sawFrame := false
	for len(tu) > 0 {
		var o OBU
		if o, tu, ok = NextOBU(tu); !ok {
			return info, false
		}
		switch o.Type {
		case OBUSequenceHeader:
			if seq, ok = ParseSequenceHeader(o.Payload); !ok {
				return info, false
			}
			info.seq, info.width, info.height = true, seq.Width, seq.Height
		case OBUFrameHeader, OBUFrame:
			if sawFrame || !info.seq {
				// Without the sequence header we cannot tell a reduced
				// still-picture header from a normal one.
				continue
			}
			sawFrame = true
			info.key = keyFrameHeader(o.Payload, seq.ReducedStill)
		}
	}
	return info, true
}

// keyFrameHeader reads frame_type from the start of uncompressed_header
// (spec 5.9.2); nothing is coded before show_existing_frame.
func keyFrameHeader(hdr []byte, reducedStill bool) bool {
	if reducedStill {
		return true // such streams have only key frames
	}
	b := bitstream.NewReader(hdr)
	if b.Flag() { // show_existing_frame
		return false
	}
	const keyFrame = 0
	return b.Bits(2) == keyFrame && !b.Bad()
}
