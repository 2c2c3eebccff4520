// Package turnserver is the STUN/TURN server serve runs beside its
// signaling: pion/turn does the protocol; this package adds credentials
// that expire (coturn's use-auth-secret), limits, a guard against
// relaying into the server's own network, and Prometheus series.
package turnserver

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// Config configures a Server. Zero values are defaults.
type Config struct {
	// Addr is where STUN/TURN listens, on UDP and TCP (":3478").
	Addr string
	// TLSAddr, with TLS, also listens for TURN over TLS (":5349").
	TLSAddr string
	TLS     *tls.Config
	// PublicIP is the address relays are announced at. Default: Addr's
	// host when it is an IP, else this machine's first non-loopback IPv4.
	PublicIP net.IP
	// RelayMin-RelayMax are the ports relays use; default 49152-65535.
	RelayMin, RelayMax int
	Realm              string // default "webrtc-cli"
	// Secret checks the credentials signal.TURNCredentials makes.
	Secret []byte

	// MaxAllocations in total (default 1000) and per credential (default
	// 64: a send to a room of N receivers through the relay holds N);
	// Bandwidth is bits per second per allocation and direction
	// (default 20 Mbit/s), negative for no limit.
	MaxAllocations, MaxPerUser int
	Bandwidth                  int64
	// AllowPrivate lets relays reach loopback, link-local and this
	// machine's own addresses. Without it they reach only other hosts
	// and other relays.
	AllowPrivate bool

	Registerer prometheus.Registerer // nil: no metrics
	Logger     *slog.Logger
}

// Default limits.
const (
	DefaultRealm          = "webrtc-cli"
	DefaultMaxAllocations = 1000
	DefaultMaxPerUser     = 64
	DefaultBandwidth      = 20_000_000
	DefaultRelayMin       = 49152
	DefaultRelayMax       = 65535
)

func (c Config) withDefaults() (Config, error) {
	if c.Addr == "" {
		c.Addr = ":3478"
	}
	if c.Realm == "" {
		c.Realm = DefaultRealm
	}
	if c.RelayMin == 0 && c.RelayMax == 0 {
		c.RelayMin, c.RelayMax = DefaultRelayMin, DefaultRelayMax
	}
	if c.MaxAllocations == 0 {
		c.MaxAllocations = DefaultMaxAllocations
	}
	if c.MaxPerUser == 0 {
		c.MaxPerUser = DefaultMaxPerUser
	}
	if c.Bandwidth == 0 {
		c.Bandwidth = DefaultBandwidth
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case len(c.Secret) == 0:
		return c, errors.New("no secret: credentials could not be checked")
	case c.RelayMin < 1 || c.RelayMax > 65535 || c.RelayMin > c.RelayMax:
		return c, fmt.Errorf("relay ports %d-%d: want MIN-MAX within 1-65535", c.RelayMin, c.RelayMax)
	case c.TLSAddr != "" && c.TLS == nil:
		return c, errors.New("TURN over TLS needs a certificate (--tls-cert/--tls-key or --tls-self-signed)")
	}
	if c.PublicIP == nil {
		c.PublicIP = defaultRelayIP(c.Addr)
	}
	return c, nil
}

// ParsePortRange parses MIN-MAX.
func ParsePortRange(s string) (lo, hi int, err error) {
	a, b, ok := strings.Cut(s, "-")
	if ok {
		lo, err = strconv.Atoi(strings.TrimSpace(a))
		if err == nil {
			hi, err = strconv.Atoi(strings.TrimSpace(b))
		}
	}
	if !ok || err != nil || lo < 1 || hi > 65535 || lo > hi {
		return 0, 0, fmt.Errorf("%q: want MIN-MAX, e.g. 49152-65535", s)
	}
	return lo, hi, nil
}

// defaultRelayIP is addr's host when it is an IP, else the first
// non-loopback IPv4 address of an interface that is up, else loopback.
func defaultRelayIP(addr string) net.IP {
	host, _, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); ip != nil && !ip.IsUnspecified() {
		return ip
	}
	for _, ip := range localIPs() {
		if ip.To4() != nil && !ip.IsLoopback() && !ip.IsLinkLocalUnicast() {
			return ip
		}
	}
	return net.IPv4(127, 0, 0, 1)
}

// localIPs are the addresses of this machine's interfaces that are up.
func localIPs() []net.IP {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var ips []net.IP
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				ips = append(ips, n.IP)
			}
		}
	}
	return ips
}
