package mp4

import "errors"

// Sentinel errors; returned errors wrap one of these with the track or
// frame concerned.
var (
	// ErrBadTrack: NewWriter was given no tracks, an unknown codec, more
	// than one video track or an impossible audio setup.
	ErrBadTrack = errors.New("mp4: bad track")
	// ErrCodecNotAllowed: the codec is one MP4 could hold but common
	// players do not play from it (VP8).
	ErrCodecNotAllowed = errors.New("mp4: codec not allowed")
	// ErrWaitingForKeyframe: a video frame came before the first keyframe
	// the file can start with (for H264 one carrying SPS and PPS, for AV1
	// one with a sequence header). The frame was dropped; this is not a
	// failure, and the Writer stays usable. A receiver may answer it by
	// asking the sender for a keyframe.
	ErrWaitingForKeyframe = errors.New("mp4: waiting for a video keyframe")
	// ErrNonMonotonic: a frame is earlier than the previous frame of its
	// track. The frame was dropped.
	ErrNonMonotonic = errors.New("mp4: timestamp went backwards")
	// ErrBadFrame: an empty, oversized or malformed frame, a track index
	// out of range, or a pts too far from the previous one to store. The
	// frame was dropped.
	ErrBadFrame = errors.New("mp4: bad frame")
	// ErrClosed: the Writer was used after Close.
	ErrClosed = errors.New("mp4: writer closed")
	// ErrWrite wraps a failure of the underlying io.Writer, or of the
	// reads and writes that finish the file. It is sticky: every later
	// call returns it.
	ErrWrite = errors.New("mp4: write failed")
)
