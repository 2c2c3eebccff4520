package signal

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientAddr gives the client's address for logs and the key its
// connections are counted under ("" when they are not counted). Behind a
// trusted proxy the address is the last X-Forwarded-For entry: the one
// that proxy appended, where the entries before it are whatever the client
// sent. An IPv6 client is counted by its /64, which one host usually has
// whole; a loopback client is not counted, so that local load tests work.
func (s *Server) clientAddr(r *http.Request) (remote, key string) {
	remote = r.RemoteAddr
	ap, err := netip.ParseAddrPort(remote)
	addr := ap.Addr()
	if s.cfg.TrustProxy {
		if h := r.Header.Values("X-Forwarded-For"); len(h) > 0 {
			hops := strings.Split(h[len(h)-1], ",")
			if a, ferr := netip.ParseAddr(strings.TrimSpace(hops[len(hops)-1])); ferr == nil {
				remote, addr, err = a.String(), a, nil
			}
		}
	}
	addr = addr.Unmap()
	if err != nil || s.cfg.MaxConnsPerIP < 0 || addr.IsLoopback() {
		return remote, ""
	}
	if addr.Is6() {
		return remote, netip.PrefixFrom(addr, 64).Masked().String()
	}
	return remote, addr.String()
}

// reserveAddr counts a connection against key, or reports that key has
// its limit.
func (s *Server) reserveAddr(key string) bool {
	if key == "" {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.perAddr[key] >= s.cfg.MaxConnsPerIP {
		return false
	}
	s.perAddr[key]++
	return true
}

func (s *Server) releaseAddr(key string) {
	if key == "" {
		return
	}
	s.mu.Lock()
	if s.perAddr[key]--; s.perAddr[key] <= 0 {
		delete(s.perAddr, key)
	}
	s.mu.Unlock()
}

// ExposedWithoutTokens reports whether a server listening on addr can be
// reached from other hosts (it is not bound to a loopback address) while
// anyone may join (no token secret).
func ExposedWithoutTokens(addr net.Addr, tokens bool) bool {
	if tokens || addr == nil || addr.Network() == "unix" {
		return false
	}
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		host = addr.String()
	}
	if host == "localhost" {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err != nil || !ip.Unmap().IsLoopback()
}
