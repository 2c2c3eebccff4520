// Package icecheck tells whether the STUN and TURN servers a WebRTC peer is
// given work from this machine. It asks each server, as ICE would, for the
// address it sees (a Binding request) and each TURN server for a relay (an
// Allocate with the credentials), says in words why one fails, lists the
// host addresses and tests whether the NAT in front keeps one mapping for
// every destination.
package icecheck

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/webrtc-cli/webrtc-cli/signal"
)

// DefaultTimeout bounds the check of one server URL when Config.Timeout is 0.
const DefaultTimeout = 5 * time.Second

// Config says what Check checks.
type Config struct {
	// Servers to check; each URL of each is checked on its own.
	Servers []signal.ICEServer
	// Timeout bounds the check of each URL, and the NAT test; default 5 s.
	Timeout time.Duration
	// TLS is for stuns: and turns: servers; nil verifies them against the
	// system's roots. An empty ServerName becomes the URL's host.
	TLS    *tls.Config
	Logger *slog.Logger // nil discards
}

// Result is what Check found. Its JSON form is stable: every field is
// always present.
type Result struct {
	Host    []string       `json:"host"` // this machine's non-loopback addresses
	Servers []ServerResult `json:"servers"`
	NAT     NAT            `json:"nat"`
}

// ServerResult is the check of one server URL.
type ServerResult struct {
	URL       string  `json:"url"`       // canonical, never with credentials
	Type      string  `json:"type"`      // "stun" or "turn"
	Transport string  `json:"transport"` // "udp", "tcp" or "tls"
	OK        bool    `json:"ok"`
	RTTMillis float64 `json:"rtt_ms"` // round trip of the first request
	Srflx     string  `json:"srflx"`  // this machine's address as the server saw it
	Relay     string  `json:"relay"`  // the TURN relay address it allocated
	Error     string  `json:"error"`  // why it failed, in words
	Code      int     `json:"code"`   // the STUN error code of the failure, or 0

	// udp is the server's address when it answered over UDP: the NAT test
	// asks it again.
	udp *net.UDPAddr
}

// Check checks every URL of cfg.Servers in parallel, then the NAT. It
// returns when all is done, within about twice the timeout; its
// goroutines have ended by then. Canceling ctx cuts the checks short.
func Check(ctx context.Context, cfg Config) *Result {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	type job struct {
		srv signal.ICEServer
		url string
	}
	var jobs []job
	for _, s := range cfg.Servers {
		for _, u := range s.URLs {
			jobs = append(jobs, job{s, u})
		}
	}
	res := &Result{Host: hostAddrs(), Servers: make([]ServerResult, len(jobs))}
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Go(func() { res.Servers[i] = checkURL(ctx, cfg, j.srv, j.url) })
	}
	wg.Wait()
	res.NAT = checkNAT(ctx, cfg, res.Servers)
	return res
}

// Failed is how many server URLs failed.
func (r *Result) Failed() int {
	n := 0
	for _, s := range r.Servers {
		if !s.OK {
			n++
		}
	}
	return n
}

// OK reports whether every server URL works (true when there were none).
func (r *Result) OK() bool { return r.Failed() == 0 }
