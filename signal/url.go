package signal

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// wsURL accepts what a user would type and gives the WebSocket URL.
func wsURL(raw string) (string, error) {
	if !strings.Contains(raw, "://") {
		raw = "ws://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("signal: server URL %q: %w", raw, err)
	}
	switch u.Scheme {
	case "ws", "wss":
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("signal: server URL %q: scheme must be ws, wss, http or https", raw)
	}
	if u.Host == "" {
		return "", fmt.Errorf("signal: server URL %q has no host", raw)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/ws"
	}
	return u.String(), nil
}

// ListenURL is the WebSocket URL at which a client on this machine reaches
// a server listening on addr: a wildcard host becomes 127.0.0.1, which can
// be dialled, unlike 0.0.0.0 or [::].
func ListenURL(addr net.Addr, tls bool) string {
	scheme := "ws"
	if tls {
		scheme = "wss"
	}
	hostport := addr.String()
	if host, port, err := net.SplitHostPort(hostport); err == nil {
		if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
			host = "127.0.0.1"
		}
		hostport = net.JoinHostPort(host, port)
	}
	return scheme + "://" + hostport + "/ws"
}
