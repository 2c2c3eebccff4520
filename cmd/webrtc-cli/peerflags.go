package main

import (
	"crypto/tls"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/webrtc-cli/webrtc-cli/peer"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// peerFlags are the options send and receive share.
type peerFlags struct {
	servers    []string
	room       string
	name       string
	token      string
	iceServers []string
	udpPorts   string
	natIPs     []string
	insecure   bool
	ca         string
	pin        string
	reconnect  time.Duration
	loss       float64
	relayOnly  bool
}

func (f *peerFlags) register(fs *pflag.FlagSet, defaultName string) {
	def := []string{"ws://127.0.0.1:8080/ws"}
	if env := os.Getenv("WEBRTC_CLI_SERVER"); env != "" {
		def = strings.Split(env, ",")
	}
	fs.StringSliceVar(&f.servers, "server", def, "signaling server `URL`; several (repeated or comma-separated) are tried in order, and a lost connection moves to the next (also $WEBRTC_CLI_SERVER)")
	fs.StringVar(&f.room, "room", "default", "room to join")
	fs.StringVar(&f.name, "name", defaultName, "display name in the room")
	fs.StringVar(&f.token, "token", "", "join token, for a server with --token-secret; @FILE reads it from FILE (default $"+envToken+")")
	fs.StringArrayVar(&f.iceServers, "ice-server", nil, "ICE server URL[,username,credential] (repeatable; merged with the server's)")
	fs.StringVar(&f.udpPorts, "udp-ports", "", "local UDP port range MIN-MAX for media")
	fs.StringSliceVar(&f.natIPs, "nat-ip", nil, "public IP to advertise in host candidates (1:1 NAT)")
	fs.BoolVar(&f.insecure, "insecure", false, "accept any TLS certificate from a wss:// server")
	fs.StringVar(&f.ca, "ca", "", "PEM CA file (or the server's certificate, from serve --tls-self-signed-out) to trust for wss://")
	fs.StringVar(&f.pin, "pin-sha256", "", "trust the wss:// server whose certificate has this SHA-256 fingerprint (as serve prints it)")
	fs.DurationVar(&f.reconnect, "reconnect-timeout", 2*time.Minute, "give up after the signaling server has been unreachable this long (0: never)")
	fs.BoolVar(&f.relayOnly, "relay-only", false, "connect only through TURN relays (from --ice-server, the room or the WHIP endpoint), to test a TURN server")
	fs.Float64Var(&f.loss, "simulate-loss", 0, "drop this fraction of sent RTP packets (testing)")
	fs.MarkHidden("simulate-loss")
}

func (f *peerFlags) config() (signal.ClientConfig, peer.NetOptions, error) {
	sc, err := f.signalConfig()
	if err != nil {
		return sc, peer.NetOptions{}, err
	}
	no, err := f.netConfig()
	return sc, no, err
}

// signalConfig is the room's part of the flags.
func (f *peerFlags) signalConfig() (signal.ClientConfig, error) {
	sc := signal.ClientConfig{Room: f.room, Name: f.name, ReconnectTimeout: f.reconnect}
	servers, tlsServers, err := f.serverList()
	if err != nil {
		return sc, err
	}
	sc.URLs = servers
	switch {
	case f.reconnect < 0:
		return sc, usageError{fmt.Errorf("--reconnect-timeout %v: must not be negative (0 retries forever)", f.reconnect)}
	case f.reconnect == 0:
		sc.ReconnectTimeout = -1 // never give up
	}
	if sc.Token, err = secret("token", f.token, envToken); err != nil {
		return sc, err
	}
	if sc.TLS, err = f.clientTLS(servers, tlsServers); err != nil {
		return sc, err
	}
	return sc, nil
}

// netConfig is the media's part of the flags.
func (f *peerFlags) netConfig() (peer.NetOptions, error) {
	var no peer.NetOptions
	var err error
	var ice []signal.ICEServer
	for _, s := range f.iceServers {
		srv, err := signal.ParseICEServer(s)
		if err != nil {
			return no, usageError{fmt.Errorf("--ice-server: %w", err)}
		}
		ice = append(ice, srv)
	}
	no.ICEServers = peer.ICEServers(ice)
	if f.udpPorts != "" {
		if no.UDPPortMin, no.UDPPortMax, err = peer.ParsePortRange(f.udpPorts); err != nil {
			return no, usageError{fmt.Errorf("--udp-ports: %w", err)}
		}
	}
	no.NATIPs = f.natIPs
	no.RelayOnly = f.relayOnly
	if f.loss < 0 || f.loss >= 1 {
		return no, usageError{fmt.Errorf("--simulate-loss must be in [0, 1)")}
	}
	no.Loss, no.LossSeed = f.loss, 1
	return no, nil
}

// serverList is --server: the URLs, trimmed, and whether they are wss://
// (or https://). A list that mixes ws:// and wss:// is refused: failing
// over would drop TLS, or the TLS flags would apply to part of it.
func (f *peerFlags) serverList() (servers []string, tlsServers bool, err error) {
	var plain, secure []string
	for _, s := range f.servers {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		servers = append(servers, s)
		scheme, _, found := strings.Cut(s, "://")
		switch {
		case !found || strings.EqualFold(scheme, "ws") || strings.EqualFold(scheme, "http"):
			plain = append(plain, s)
		case strings.EqualFold(scheme, "wss") || strings.EqualFold(scheme, "https"):
			secure = append(secure, s)
		} // other schemes: Dial says what is wrong with them
	}
	switch {
	case len(servers) == 0:
		return nil, false, usageError{fmt.Errorf("--server: no server URL given")}
	case len(plain) > 0 && len(secure) > 0:
		return nil, false, usageError{fmt.Errorf("--server mixes ws:// servers (%s) and wss:// ones (%s): make them all wss:// (or all ws://), "+
			"so that moving to the next server never drops TLS", strings.Join(plain, ", "), strings.Join(secure, ", "))}
	}
	return servers, len(secure) > 0, nil
}

// clientTLS checks the TLS flags against the server URLs and builds the
// client's TLS settings from them.
func (f *peerFlags) clientTLS(servers []string, tlsServers bool) (*tls.Config, error) {
	var given []string
	if f.insecure {
		given = append(given, "--insecure")
	}
	if f.ca != "" {
		given = append(given, "--ca")
	}
	if f.pin != "" {
		given = append(given, "--pin-sha256")
	}
	if len(given) > 0 && !tlsServers {
		verb := "is"
		if len(given) > 1 {
			verb = "are"
		}
		return nil, usageError{fmt.Errorf("%s %s for wss:// servers; --server is %s", strings.Join(given, " and "), verb, strings.Join(servers, ","))}
	}
	cfg, err := signal.ClientTLSOptions{Insecure: f.insecure, CAFile: f.ca, PinSHA256: f.pin}.Config()
	if err != nil {
		return nil, usageError{fmt.Errorf("%s: %w", strings.Join(given, ", "), err)}
	}
	return cfg, nil
}
