package ivf

import "errors"

// Sentinel errors; returned errors wrap one of these with context such as
// the frame index and byte offset.
var (
	// ErrBadSignature: the file does not start with "DKIF".
	ErrBadSignature = errors.New("ivf: bad signature")
	// ErrBadHeader: the header size field is smaller than 32 or absurd.
	ErrBadHeader = errors.New("ivf: bad header")
	// ErrBadTimebase: a zero numerator or denominator.
	ErrBadTimebase = errors.New("ivf: bad timebase")
	// ErrFrameTooLarge: a frame claims more than MaxFrameSize bytes.
	ErrFrameTooLarge = errors.New("ivf: frame too large")
	// ErrTruncated: the input ends inside the file header, a frame header or
	// a frame payload.
	ErrTruncated = errors.New("ivf: truncated")
	// ErrBadFourCC: a Writer was given a FourCC that is not 4 bytes long.
	ErrBadFourCC = errors.New("ivf: fourcc must be 4 bytes")
	// ErrNonMonotonic: a Writer was given a PTS smaller than the previous one.
	ErrNonMonotonic = errors.New("ivf: pts went backwards")
	// ErrClosed: the Writer was used after Close.
	ErrClosed = errors.New("ivf: writer closed")
	// ErrWrite wraps a failure of the underlying io.Writer or io.Seeker.
	ErrWrite = errors.New("ivf: write failed")
)
