package peer

import "errors"

// Sentinel errors.
var (
	ErrUnsupportedCodec = errors.New("unsupported codec")
	ErrRemoteBye        = errors.New("remote peer said bye")
	ErrRemoteLeft       = errors.New("remote peer left the room")
	ErrFailed           = errors.New("connection failed")
	ErrSessionLost      = errors.New("signaling session lost")
)
