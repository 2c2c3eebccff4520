package icecheck

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/pion/stun/v4"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// Target is an ICE server URL, parsed: what to check and where.
type Target struct {
	URL       string // canonical: stun:HOST:PORT, turn:HOST:PORT?transport=udp, …
	Type      string // "stun" or "turn"
	Transport string // "udp", "tcp" or "tls"
	Host      string // a name or an IP address, without brackets
	Port      int
}

// Addr is HOST:PORT, for dialing.
func (t Target) Addr() string { return net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) }

// ParseURL parses an ICE server URL: stun:, stuns:, turn: or turns:,
// HOST[:PORT], and for TURN ?transport=udp or tcp. The port defaults to
// 3478, or 5349 over TLS.
func ParseURL(raw string) (Target, error) {
	raw = strings.TrimSpace(raw)
	u, err := signal.ParseICEURL(raw)
	if err != nil {
		return Target{}, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	if !validHost(u.Host) {
		return Target{}, fmt.Errorf("%w %q: host %q is neither a name nor an IP address", ErrBadURL, redactURL(raw), u.Host)
	}
	if u.Port < 1 || u.Port > 65535 {
		return Target{}, fmt.Errorf("%w %q: port %d out of range", ErrBadURL, redactURL(raw), u.Port)
	}
	t := Target{URL: u.String(), Type: "stun", Transport: u.Proto.String(), Host: u.Host, Port: u.Port}
	if u.Scheme == stun.SchemeTypeTURN || u.Scheme == stun.SchemeTypeTURNS {
		t.Type = "turn"
	}
	if u.IsSecure() {
		if u.Proto != stun.ProtoTypeTCP {
			return Target{}, errDTLS
		}
		t.Transport = "tls"
	}
	return t, nil
}

// validHost accepts an IP address or a DNS name: what can be dialed and
// printed without surprise.
func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for _, c := range h {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_'
		if !ok {
			return false
		}
	}
	return true
}

// redactURL is a URL that did not parse, for messages: whatever precedes
// an @ may be a password.
func redactURL(raw string) string {
	at := strings.LastIndex(raw, "@")
	if at < 0 {
		return raw
	}
	if scheme, _, ok := strings.Cut(raw[:at], ":"); ok && !strings.ContainsAny(scheme, "/@") {
		return scheme + ":xxxxx" + raw[at:]
	}
	return "xxxxx" + raw[at:]
}
