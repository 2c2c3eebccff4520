package signal

import "errors"

// Error codes of the protocol.
const (
	CodeBadJSON       = "bad-json"
	CodeBadMessage    = "bad-message"
	CodeUnknownType   = "unknown-type"
	CodeNotJoined     = "not-joined"
	CodeAlreadyJoined = "already-joined"
	CodeUnknownPeer   = "unknown-peer"
	CodeRoomFull      = "room-full"
	CodeUnauthorized  = "unauthorized"
	CodeRateLimited   = "rate-limited"
	CodeTooLarge      = "too-large"
	CodeServerFull    = "server-full"
)

// WebSocket close codes the server uses.
const (
	ClosePolicy   = 1008 // unauthorized, persistent rate abuse
	CloseTooLarge = 1009
	CloseTryLater = 1013 // server-full
)

// Sentinel errors.
var (
	ErrBadMessage   = errors.New("bad message")
	ErrClosed       = errors.New("signal: client closed")
	ErrUnauthorized = errors.New("signal: unauthorized")
	ErrBadToken     = errors.New("signal: bad token")
	ErrTokenExpired = errors.New("signal: token expired")
	ErrNotJoined    = errors.New("signal: not joined")
)
