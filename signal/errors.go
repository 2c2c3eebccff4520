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
	// CodeUnavailable: a cluster instance cannot reach Redis, so it
	// cannot take joins without splitting rooms; try again or another
	// instance.
	CodeUnavailable = "unavailable"
)

// WebSocket close codes the server uses.
const (
	ClosePolicy   = 1008 // unauthorized, persistent rate abuse
	CloseTooLarge = 1009
	CloseTryLater = 1013 // server-full
)

// Sentinel errors. Those named after a protocol error code are what an
// *Error from the server with that code matches: errors.Is(err,
// ErrRoomFull) tells a refused join apart without comparing strings.
var (
	ErrBadJSON       = errors.New("signal: bad json")
	ErrBadMessage    = errors.New("bad message")
	ErrUnknownType   = errors.New("signal: unknown message type")
	ErrNotJoined     = errors.New("signal: not joined")
	ErrAlreadyJoined = errors.New("signal: already joined")
	ErrUnknownPeer   = errors.New("signal: unknown peer")
	ErrRoomFull      = errors.New("signal: room full")
	ErrUnauthorized  = errors.New("signal: unauthorized")
	ErrRateLimited   = errors.New("signal: rate limited")
	ErrTooLarge      = errors.New("signal: message too large")
	ErrServerFull    = errors.New("signal: server full")
	ErrUnavailable   = errors.New("signal: server unavailable")

	ErrClosed = errors.New("signal: client closed")
	// ErrDisconnected: the connection is gone and the client will not
	// reconnect (ClientConfig.NoReconnect, or the server ended the
	// session for good); Client.Err says why.
	ErrDisconnected = errors.New("signal: disconnected")
	// ErrBacklog: too many messages are waiting for the connection to
	// come back.
	ErrBacklog = errors.New("signal: too many messages waiting for the connection")

	ErrBadToken     = errors.New("signal: bad token")
	ErrTokenExpired = errors.New("signal: token expired")

	// ErrTLSOptions: TLSOptions asks for contradictory things.
	ErrTLSOptions = errors.New("signal: TLS options")
	// ErrNotDirectory: a static page directory is not a directory.
	ErrNotDirectory = errors.New("not a directory")
)

// Internal to parseEnvelope, which reports them as bad-json.
var (
	// errTooDeep ends a parse whose nesting passes maxEnvelopeDepth.
	// jsontext's own limit is 10000 (its WithDepthLimit option is not
	// implemented yet), so readValue walks containers token by token and
	// checks the depth itself.
	errTooDeep = errors.New("nested too deeply")
	// errTrailingData: a frame holds one JSON value, where a jsontext
	// stream may go on with more.
	errTrailingData = errors.New("data after the object")
)

// codeErrors maps each protocol error code to its sentinel.
var codeErrors = map[string]error{
	CodeBadJSON:       ErrBadJSON,
	CodeBadMessage:    ErrBadMessage,
	CodeUnknownType:   ErrUnknownType,
	CodeNotJoined:     ErrNotJoined,
	CodeAlreadyJoined: ErrAlreadyJoined,
	CodeUnknownPeer:   ErrUnknownPeer,
	CodeRoomFull:      ErrRoomFull,
	CodeUnauthorized:  ErrUnauthorized,
	CodeRateLimited:   ErrRateLimited,
	CodeTooLarge:      ErrTooLarge,
	CodeServerFull:    ErrServerFull,
	CodeUnavailable:   ErrUnavailable,
}
