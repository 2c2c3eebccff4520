package h264

import "errors"

// Sentinel errors; returned errors wrap one of these with the access unit
// index and byte offset where it was found.
var (
	// ErrNotAnnexB: the input does not start with a start code, or the
	// Writer was given data that does not.
	ErrNotAnnexB = errors.New("h264: not an Annex-B byte stream")
	// ErrBadNAL: a NAL unit with the forbidden bit set, of a type RTP
	// cannot carry (0, 24-31), or containing a byte sequence the standard
	// forbids inside one (00 00 00, 00 00 02).
	ErrBadNAL = errors.New("h264: invalid NAL unit")
	// ErrBadSPS, ErrBadPPS and ErrBadSlice: a parameter set or slice header
	// that does not parse (values out of range, or cut short).
	ErrBadSPS   = errors.New("h264: invalid sequence parameter set")
	ErrBadPPS   = errors.New("h264: invalid picture parameter set")
	ErrBadSlice = errors.New("h264: invalid slice header")
	// ErrMissingParameterSet: a slice refers to a PPS (or a PPS to an SPS)
	// the stream has not carried before it, as when a file starts mid-stream.
	ErrMissingParameterSet = errors.New("h264: parameter set not seen")
	// ErrNoFrameRate: neither Options.FPS nor usable SPS timing says how
	// long a frame lasts.
	ErrNoFrameRate = errors.New("h264: no frame rate")
	// ErrBFrames: the stream has B slices.
	ErrBFrames = errors.New("h264: stream has B-frames")
	// ErrTooLarge: a NAL or access unit over MaxAccessUnitSize.
	ErrTooLarge = errors.New("h264: access unit too large")
	// ErrTruncated: the stream ends with NAL units but no picture.
	ErrTruncated = errors.New("h264: truncated")
	// ErrBadOptions: an FPS with a zero numerator or denominator.
	ErrBadOptions = errors.New("h264: invalid options")
	// ErrWrite wraps a failure of the Writer's io.Writer.
	ErrWrite = errors.New("h264: write failed")
)

// reencode is how to make a stream this package can send.
const reencode = "ffmpeg -i in.mp4 -c:v libx264 -bf 0 -profile:v baseline out.h264"
