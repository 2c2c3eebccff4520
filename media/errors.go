package media

import "errors"

// Sentinel errors; returned errors wrap one of these with the file or the
// name that was not understood.
var (
	// ErrUnknownFormat is a file that is neither IVF, Ogg Opus nor an H264
	// Annex-B stream, or a format name media does not write.
	ErrUnknownFormat = errors.New("media: not an IVF, Ogg or H264 Annex-B file")
	// ErrUnsupportedCodec is a codec webrtc-cli neither sends nor records.
	ErrUnsupportedCodec = errors.New("media: unsupported codec")
	// ErrCannotWrite is a codec the chosen container cannot hold, or a
	// combination of outputs that cannot work.
	ErrCannotWrite = errors.New("media: cannot write")
)
