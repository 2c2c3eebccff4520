package mkv

import "errors"

// Sentinel errors; returned errors wrap one of these with the track or
// frame concerned.
var (
	// ErrBadTrack: NewWriter was given no tracks, an unknown codec, more
	// than one video track or an impossible audio setup.
	ErrBadTrack = errors.New("mkv: bad track")
	// ErrCodecNotAllowed: the codec cannot go in the requested format
	// (H264 in WebM).
	ErrCodecNotAllowed = errors.New("mkv: codec not allowed in webm")
	// ErrWaitingForKeyframe: a video frame came before the first keyframe
	// the file can start with (for H264 one carrying SPS and PPS unless
	// the track has a CodecPrivate; for AV1 one with a sequence header).
	// The frame was dropped; this is not a failure, and the Writer stays
	// usable. A receiver may answer it by asking the sender for a keyframe.
	ErrWaitingForKeyframe = errors.New("mkv: waiting for a video keyframe")
	// ErrNonMonotonic: a frame is earlier than the previous frame of its
	// track, or so much earlier than the cluster being written (32 s) that
	// its block timestamp cannot be stored. The frame was dropped.
	ErrNonMonotonic = errors.New("mkv: timestamp went backwards")
	// ErrBadFrame: an empty, oversized or malformed frame, a track index
	// out of range, or a pts too far from the first one to store. The frame
	// was dropped.
	ErrBadFrame = errors.New("mkv: bad frame")
	// ErrClosed: the Writer was used after Close.
	ErrClosed = errors.New("mkv: writer closed")
	// ErrWrite wraps a failure of the underlying io.Writer or io.Seeker.
	// It is sticky: every later call returns it.
	ErrWrite = errors.New("mkv: write failed")
)
