package icecheck

import (
	"errors"
	"fmt"
)

// Errors of Check, matched with errors.Is.
var (
	ErrBadURL        = errors.New("bad ICE server URL")
	ErrNoCredentials = errors.New("needs a username and credential")
	ErrTLS           = errors.New("TLS")
	errDTLS          = errors.New("turns: over UDP (DTLS) is not supported; use turns:HOST:PORT?transport=tcp")
	errNoAddress     = errors.New("the server's answer holds no address")
)

// CodeError is a STUN error response: the code and the server's reason
// phrase.
type CodeError struct {
	Code   int
	Reason string
}

func (e *CodeError) Error() string { return fmt.Sprintf("STUN error %d %s", e.Code, e.Reason) }
