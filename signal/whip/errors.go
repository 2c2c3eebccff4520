package whip

import "errors"

// Sentinel errors.
var (
	// ErrBadOffer, wrapped by a Backend's Start error, makes the server
	// answer 400 with the error's text.
	ErrBadOffer = errors.New("bad offer")
	// ErrBadFrag: an sdpfrag that does not parse.
	ErrBadFrag = errors.New("bad sdpfrag")
	// ErrNoSession: the server gave no Location, so there is no session
	// URL to PATCH or DELETE.
	ErrNoSession = errors.New("whip: the server gave no session URL")
	// ErrTrickleUnsupported: the session refused a PATCH with 405 or 501;
	// stop trickling and rely on the candidates in the offer.
	ErrTrickleUnsupported = errors.New("whip: the server does not accept trickled candidates")
	// ErrNoAnswer: a successful response without an SDP answer (or, for
	// a restart, an sdpfrag) in it.
	ErrNoAnswer = errors.New("whip: no answer in the response")
)
