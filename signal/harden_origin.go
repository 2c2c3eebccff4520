package signal

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// originOK admits an upgrade without Origin (a non-browser client), from
// an origin in AllowOrigins or PublicURLs, and from the server's own
// origin: the request's scheme, Host and port, under a name no one else
// can point at the server (a loopback name or an IP literal). Host alone
// proves nothing: a DNS-rebinding page has the attacker's name in both
// Host and Origin.
func (s *Server) originOK(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || s.origins["*"] || s.origins[originKey(origin)] {
		return true
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	own, err := OriginOf(scheme + "://" + r.Host)
	if err != nil || originKey(origin) != own {
		return false
	}
	u, _ := url.Parse(own) // OriginOf's result parses
	_, ipErr := netip.ParseAddr(u.Hostname())
	return u.Hostname() == "localhost" || ipErr == nil
}

// OriginOf gives the origin of a URL as scheme://host:port, lower case and
// with the port spelled out; ws and wss count as http and https, and the
// path is ignored.
func OriginOf(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", err
	}
	def, ok := defaultPorts[strings.ToLower(u.Scheme)]
	if !ok || u.Hostname() == "" || u.User != nil {
		return "", fmt.Errorf("URL %q: want http, https, ws or wss://host[:port]", rawURL)
	}
	scheme, port := def[0], def[1]
	if p := u.Port(); p != "" {
		port = p
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port), nil
}

// defaultPorts maps a URL scheme to its origin's scheme and default port.
var defaultPorts = map[string][2]string{
	"http": {"http", "80"}, "ws": {"http", "80"}, "https": {"https", "443"}, "wss": {"https", "443"},
}

// originKey is what origins are compared by: the parsed origin, or for a
// value that is not a URL ("*", "null") the value itself.
func originKey(s string) string {
	if o, err := OriginOf(s); err == nil {
		return o
	}
	return strings.ToLower(strings.TrimRight(s, "/"))
}
