package peer

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pion/webrtc/v4"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// ParsePortRange parses "MIN-MAX" UDP ports.
func ParsePortRange(s string) (lo, hi uint16, err error) {
	a, b, ok := strings.Cut(s, "-")
	l, err1 := strconv.ParseUint(strings.TrimSpace(a), 10, 16)
	h, err2 := strconv.ParseUint(strings.TrimSpace(b), 10, 16)
	if !ok || err1 != nil || err2 != nil || l == 0 || l > h {
		return 0, 0, fmt.Errorf("UDP port range %q: want MIN-MAX, e.g. 50000-50100", s)
	}
	return uint16(l), uint16(h), nil
}

// ICEServers converts the protocol's ICE servers to pion's, leaving out
// the URLs it cannot parse (a server's welcome or Link header may carry
// any): pion would refuse the whole configuration, or, for some, never
// return from parsing it.
func ICEServers(list []signal.ICEServer) []webrtc.ICEServer {
	out := make([]webrtc.ICEServer, 0, len(list))
	for _, s := range list {
		var urls []string
		for _, u := range s.URLs {
			if _, err := signal.ParseICEURL(u); err == nil {
				urls = append(urls, u)
			}
		}
		if len(urls) > 0 {
			out = append(out, webrtc.ICEServer{URLs: urls, Username: s.Username, Credential: s.Credential})
		}
	}
	return out
}
