package signal

import (
	"errors"
	"fmt"
	"net"
	"net/url"

	"github.com/pion/stun/v4"
)

// ParseICEURL parses a stun:, stuns:, turn: or turns: URL. It refuses,
// before pion/stun (v4.0.1) sees them, the URLs on which stun.ParseURI
// never returns: a HOST[:PORT] it cannot split for want of a port, which
// it retries forever with the default port appended ("stun:[::1]x").
// pion/webrtc parses every ICE server URL it is given that way, so a URL
// from a flag, a welcome or a Link header must pass here first.
func ParseICEURL(raw string) (*stun.URI, error) {
	if u, err := url.Parse(raw); err == nil && missingPort(u.Opaque) && missingPort(u.Opaque+":3478") {
		return nil, errors.New("cannot tell the host from the port")
	}
	u, err := stun.ParseURI(raw)
	if err != nil {
		return nil, fmt.Errorf("%v (want stun:, stuns:, turn: or turns:HOST[:PORT][?transport=udp|tcp])", err)
	}
	return u, nil
}

func missingPort(hostport string) bool {
	_, _, err := net.SplitHostPort(hostport)
	var ae *net.AddrError
	return errors.As(err, &ae) && ae.Err == "missing port in address"
}
