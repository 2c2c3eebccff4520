package signal

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseICEServer parses a command-line ICE server: URL[,username,credential],
// e.g. "stun:stun.example.org:3478" or "turn:turn.example.org:3478,alice,secret".
func ParseICEServer(s string) (ICEServer, error) {
	parts := strings.Split(s, ",")
	u := strings.TrimSpace(parts[0])
	if !(strings.HasPrefix(u, "stun:") || strings.HasPrefix(u, "stuns:") || strings.HasPrefix(u, "turn:") || strings.HasPrefix(u, "turns:")) {
		return ICEServer{}, fmt.Errorf("ICE server %q: the URL must start with stun:, stuns:, turn: or turns:", s)
	}
	if _, err := ParseICEURL(u); err != nil {
		return ICEServer{}, fmt.Errorf("ICE server %q: %w", u, err)
	}
	srv := ICEServer{URLs: []string{u}}
	switch len(parts) {
	case 1:
	case 3:
		srv.Username, srv.Credential = parts[1], parts[2]
	default:
		return ICEServer{}, fmt.Errorf("ICE server %q: want URL or URL,username,credential", s)
	}
	if strings.HasPrefix(u, "turn") && srv.Username == "" {
		return ICEServer{}, fmt.Errorf("ICE server %q: a TURN server needs URL,username,credential", s)
	}
	return srv, nil
}

// ParseRate parses "RATE[/BURST]" messages per second, e.g. "50/200";
// "0" disables the limit.
func ParseRate(s string) (rate float64, burst int, err error) {
	r, b, hasBurst := strings.Cut(s, "/")
	rate, err = strconv.ParseFloat(r, 64)
	if err != nil || rate < 0 {
		return 0, 0, fmt.Errorf("rate %q: want messages per second, optionally /burst (e.g. 50/200)", s)
	}
	if rate == 0 {
		return -1, 0, nil
	}
	burst = int(4 * rate)
	if hasBurst {
		if burst, err = strconv.Atoi(b); err != nil || burst < 1 {
			return 0, 0, fmt.Errorf("rate %q: burst must be a positive whole number", s)
		}
	}
	return rate, burst, nil
}
