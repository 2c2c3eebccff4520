// Package whip is the HTTP side of WHIP (RFC 9725, ingest) and WHEP
// (draft-ietf-wish-whep, egress): a Server that turns POSTed offers into
// sessions of a pluggable Backend and answers PATCH and DELETE on them, a
// Client that offers, trickles, restarts ICE and hangs up, and the
// application/trickle-ice-sdpfrag (RFC 8840) and Link ice-server formats
// both need. WebRTC itself lives behind Backend and Session; this package
// knows only HTTP and a few SDP lines.
package whip

// Kind says which protocol a Server speaks or a Client talks to. The two
// share their HTTP exchange; Kind only changes words in logs and errors.
type Kind int

// The protocols.
const (
	WHIP Kind = iota // ingest: the client sends media
	WHEP             // egress: the client receives media
)

func (k Kind) String() string {
	if k == WHEP {
		return "WHEP"
	}
	return "WHIP"
}

// Media types of the exchange.
const (
	typeSDP  = "application/sdp"
	typeFrag = "application/trickle-ice-sdpfrag"
)
