package main

import (
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"
	"github.com/webrtc-cli/webrtc-cli/signal"
	"github.com/webrtc-cli/webrtc-cli/signal/turnserver"
)

const envTURNSecret = "WEBRTC_CLI_TURN_SECRET"

// turnAuthFlags hand out time-limited TURN credentials (coturn's
// use-auth-secret): serve's and the WHIP/WHEP endpoints'.
type turnAuthFlags struct {
	secret string
	urls   []string
	ttl    time.Duration
}

func (f *turnAuthFlags) register(fs *pflag.FlagSet, with string) {
	fs.StringVar(&f.secret, "turn-secret", "", with+"the TURN server's shared secret (coturn: static-auth-secret); @FILE reads it from FILE (default $"+envTURNSecret+")")
	fs.StringArrayVar(&f.urls, "turn-url", nil, with+"TURN URL to hand out credentials for, e.g. turn:turn.example.org:3478 (repeatable)")
	fs.DurationVar(&f.ttl, "turn-ttl", signal.DefaultTURNTTL, "how long the TURN credentials handed out are valid")
}

// auth is the credentials' maker, nil without --turn-secret or --turn-url.
// local says a TURN server runs in this process (serve --turn): without
// a secret it gets a random one, and without URLs clients are sent to it.
func (f *turnAuthFlags) auth(local bool) (*signal.TURNAuth, error) {
	sec, err := secret("turn-secret", f.secret, envTURNSecret)
	if err != nil {
		return nil, err
	}
	for _, u := range f.urls {
		if !strings.HasPrefix(u, "turn:") && !strings.HasPrefix(u, "turns:") {
			return nil, usageError{fmt.Errorf("--turn-url %q: want turn:HOST:PORT or turns:HOST:PORT", u)}
		}
	}
	switch {
	case !local && sec == "" && len(f.urls) == 0:
		return nil, nil
	case f.ttl <= 0:
		return nil, usageError{fmt.Errorf("--turn-ttl %v: want a positive duration, e.g. 1h", f.ttl)}
	case !local && sec == "":
		return nil, usageError{fmt.Errorf("--turn-url needs --turn-secret: the secret the TURN server checks credentials with")}
	case !local && len(f.urls) == 0:
		return nil, usageError{fmt.Errorf("--turn-secret needs --turn-url (or, with serve, --turn to run a TURN server)")}
	}
	if sec == "" {
		sec = rand.Text() // good for this process's own server only
	}
	return &signal.TURNAuth{Secret: []byte(sec), TTL: f.ttl, URLs: f.urls}, nil
}

// parseBitrate parses bits per second with an optional k, M or G.
func parseBitrate(s string) (int64, error) {
	orig, mult := s, int64(1)
	switch {
	case strings.HasSuffix(s, "k"), strings.HasSuffix(s, "K"):
		mult, s = 1_000, s[:len(s)-1]
	case strings.HasSuffix(s, "M"):
		mult, s = 1_000_000, s[:len(s)-1]
	case strings.HasSuffix(s, "G"):
		mult, s = 1_000_000_000, s[:len(s)-1]
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("%q: want bits per second, e.g. 20M, 500k or 0", orig)
	}
	return int64(f * float64(mult)), nil
}

// turnServeFlags run a TURN server inside serve.
type turnServeFlags struct {
	auth         turnAuthFlags
	addr         string
	tlsAddr      string
	publicIP     string
	relayPorts   string
	realm        string
	allowPrivate bool
	maxAllocs    int
	maxPerUser   int
	bandwidth    string
}

func (f *turnServeFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.addr, "turn", "", "also run a STUN/TURN server on this address, UDP and TCP (e.g. :3478); welcomes carry credentials for it")
	fs.StringVar(&f.tlsAddr, "turn-tls", "", "with --turn: TURN over TLS on this address (e.g. :5349), with serve's certificate")
	fs.StringVar(&f.publicIP, "turn-public-ip", "", "with --turn: the address relays are announced at (default: --turn's IP, else this machine's first non-loopback IPv4)")
	fs.StringVar(&f.relayPorts, "turn-relay-ports", fmt.Sprintf("%d-%d", turnserver.DefaultRelayMin, turnserver.DefaultRelayMax), "with --turn: UDP ports relays use, MIN-MAX")
	fs.StringVar(&f.realm, "turn-realm", turnserver.DefaultRealm, "with --turn: the TURN realm")
	fs.BoolVar(&f.allowPrivate, "turn-allow-private", false, "with --turn: let relays reach loopback, link-local and this machine's own addresses")
	fs.IntVar(&f.maxAllocs, "turn-max-allocations", turnserver.DefaultMaxAllocations, "with --turn: relays open at once, in total")
	fs.IntVar(&f.maxPerUser, "turn-max-allocations-per-user", turnserver.DefaultMaxPerUser, "with --turn: relays open at once per credential")
	fs.StringVar(&f.bandwidth, "turn-bandwidth", "20M", "with --turn: bits per second per relay and direction; 0 for no limit")
	f.auth.register(fs, "")
}

// check refuses --turn-* flags that would be ignored.
func (f *turnServeFlags) check(tls *tls.Config) error {
	if f.addr == "" {
		if f.tlsAddr != "" || f.publicIP != "" || f.allowPrivate {
			return usageError{fmt.Errorf("--turn-tls, --turn-public-ip and --turn-allow-private go with --turn ADDR")}
		}
		return nil
	}
	if f.tlsAddr != "" && tls == nil {
		return usageError{fmt.Errorf("--turn-tls needs serve's certificate: --tls-cert and --tls-key, or --tls-self-signed")}
	}
	if f.publicIP != "" && net.ParseIP(f.publicIP) == nil {
		return usageError{fmt.Errorf("--turn-public-ip %q: want an IP address", f.publicIP)}
	}
	if _, _, err := turnserver.ParsePortRange(f.relayPorts); err != nil {
		return usageError{fmt.Errorf("--turn-relay-ports %w", err)}
	}
	if _, err := parseBitrate(f.bandwidth); err != nil {
		return usageError{fmt.Errorf("--turn-bandwidth %w", err)}
	}
	if f.maxAllocs < 1 || f.maxPerUser < 1 {
		return usageError{fmt.Errorf("--turn-max-allocations and --turn-max-allocations-per-user must be at least 1")}
	}
	return nil
}

// start runs the TURN server, and points cfg.TURN's credentials at it.
func (f *turnServeFlags) start(cfg signal.ServerConfig, reg prometheus.Registerer, log *slog.Logger) (*turnserver.Server, error) {
	lo, hi, _ := turnserver.ParsePortRange(f.relayPorts)
	bw, _ := parseBitrate(f.bandwidth)
	if bw == 0 {
		bw = -1
	}
	ts, err := turnserver.Start(turnserver.Config{
		Addr: f.addr, TLSAddr: f.tlsAddr, TLS: cfg.TLS, PublicIP: net.ParseIP(f.publicIP),
		RelayMin: lo, RelayMax: hi, Realm: f.realm, Secret: cfg.TURN.Secret,
		MaxAllocations: f.maxAllocs, MaxPerUser: f.maxPerUser, Bandwidth: bw, AllowPrivate: f.allowPrivate,
		Registerer: reg, Logger: log,
	})
	if err != nil {
		return nil, fmt.Errorf("--turn: %w", err)
	}
	cfg.TURN.Port, cfg.TURN.TLSPort = ts.Port(), ts.TLSPort()
	return ts, nil
}
