package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/spf13/pflag"
	"github.com/webrtc-cli/webrtc-cli/app"
	"github.com/webrtc-cli/webrtc-cli/peer"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

const envBearer = "WEBRTC_CLI_BEARER"

// whipFlags are the WHIP/WHEP options of send and receive: client names
// the endpoint flag (--whip for send, --whep for receive), listen the
// endpoint-serving one (--whep-listen, --whip-listen).
type whipFlags struct {
	client, listen string // flag names

	url         string
	addr        string
	bearer      string
	noTrickle   bool
	tlsCert     string
	tlsKey      string
	selfSigned  bool
	maxSessions int
	turn        turnAuthFlags
}

func (f *whipFlags) register(fs *pflag.FlagSet, client, listen string) {
	f.client, f.listen = client, listen
	cproto, lproto := "WHIP", "WHEP"
	if client == "whep" {
		cproto, lproto = "WHEP", "WHIP"
	}
	fs.StringVar(&f.url, client, "", cproto+" endpoint URL to offer to, instead of a room")
	fs.StringVar(&f.addr, listen, "", "serve a "+lproto+" endpoint on this address (http://ADDR/"+map[string]string{"WHIP": "whip", "WHEP": "whep"}[lproto]+"), instead of a room")
	fs.StringVar(&f.bearer, "bearer", "", "bearer token the endpoint requires (or, with --"+listen+", that clients must give); @FILE reads it from FILE (default $"+envBearer+")")
	fs.BoolVar(&f.noTrickle, "no-trickle", false, "with --"+client+": gather every candidate before the offer, for endpoints that take no PATCH")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "with --"+listen+": TLS certificate file (PEM); serves HTTPS")
	fs.StringVar(&f.tlsKey, "tls-key", "", "with --"+listen+": TLS private key file (PEM)")
	fs.BoolVar(&f.selfSigned, "tls-self-signed", false, "with --"+listen+": serve HTTPS with an ephemeral self-signed certificate (prints its fingerprint)")
	fs.IntVar(&f.maxSessions, "max-sessions", 100, "with --"+listen+": sessions at once; more get 503")
	f.turn.register(fs, "with --"+listen+": ")
}

// peerConfig is the room's or the WHIP settings, and the media's, of the
// flags of send or receive.
func (f *whipFlags) peerConfig(p *peerFlags, changed func(string) bool, stderr io.Writer) (signal.ClientConfig, *app.WHIPConfig, peer.NetOptions, error) {
	w, err := f.config(p, changed, stderr)
	if err != nil {
		return signal.ClientConfig{}, nil, peer.NetOptions{}, err
	}
	if w == nil {
		sc, no, err := p.config()
		return sc, nil, no, err
	}
	no, err := p.netConfig()
	return signal.ClientConfig{}, w, no, err
}

// config gives the WHIP settings, or nil for the room protocol. changed
// says whether a flag was given, to refuse room flags that would be
// ignored.
func (f *whipFlags) config(p *peerFlags, changed func(string) bool, stderr io.Writer) (*app.WHIPConfig, error) {
	whipOnly := []string{"bearer", "no-trickle", "tls-cert", "tls-key", "tls-self-signed", "max-sessions", "turn-secret", "turn-url", "turn-ttl"}
	if f.url == "" && f.addr == "" {
		for _, name := range whipOnly {
			if changed(name) {
				return nil, usageError{fmt.Errorf("--%s goes with --%s or --%s", name, f.client, f.listen)}
			}
		}
		return nil, nil
	}
	if f.url != "" && f.addr != "" {
		return nil, usageError{fmt.Errorf("--%s and --%s exclude each other", f.client, f.listen)}
	}
	mode := f.client
	if f.addr != "" {
		mode = f.listen
	}
	for _, name := range []string{"server", "room", "name", "token", "reconnect-timeout"} {
		if changed(name) {
			return nil, usageError{fmt.Errorf("--%s is for a room; --%s needs none", name, mode)}
		}
	}
	wrong := []string{"tls-cert", "tls-key", "tls-self-signed", "max-sessions", "turn-secret", "turn-url", "turn-ttl"} // the endpoint's
	if f.addr != "" {
		wrong = []string{"no-trickle", "ca", "insecure", "pin-sha256"} // the client's
	}
	for _, name := range wrong {
		if changed(name) {
			return nil, usageError{fmt.Errorf("--%s does not go with --%s", name, mode)}
		}
	}
	bearer, err := secret("bearer", f.bearer, envBearer)
	if err != nil {
		return nil, err
	}
	w := &app.WHIPConfig{URL: f.url, Listen: f.addr, Bearer: bearer, NoTrickle: f.noTrickle, MaxSessions: f.maxSessions}
	if f.maxSessions < 1 {
		return nil, usageError{fmt.Errorf("--max-sessions must be at least 1")}
	}
	for _, s := range p.iceServers {
		srv, err := signal.ParseICEServer(s)
		if err != nil {
			return nil, usageError{fmt.Errorf("--ice-server: %w", err)}
		}
		w.ICEServers = append(w.ICEServers, srv)
	}
	if f.url != "" {
		if u, err := url.Parse(f.url); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, usageError{fmt.Errorf("--%s %q: want http:// or https://HOST/PATH", f.client, f.url)}
		}
		if w.HTTP, err = p.httpClient(); err != nil {
			return nil, err
		}
		return w, nil
	}
	tlsOpts := signal.TLSOptions{CertFile: f.tlsCert, KeyFile: f.tlsKey, SelfSigned: f.selfSigned, Addr: f.addr}
	tlsCfg, fingerprint, err := tlsOpts.Config()
	if errors.Is(err, signal.ErrTLSOptions) {
		return nil, usageError{fmt.Errorf("--tls-self-signed, --tls-cert, --tls-key: %w", err)}
	} else if err != nil {
		return nil, err
	}
	w.TLS = tlsCfg
	if w.TURN, err = f.turn.auth(false); err != nil {
		return nil, err
	}
	if fingerprint != "" {
		fmt.Fprintf(stderr, "self-signed certificate SHA-256 fingerprint: %s\n", fingerprint)
	}
	return w, nil
}

// httpClient is a WHIP/WHEP client's, with the TLS flags.
func (p *peerFlags) httpClient() (*http.Client, error) {
	tlsCfg, err := signal.ClientTLSOptions{Insecure: p.insecure, CAFile: p.ca, PinSHA256: p.pin}.Config()
	if err != nil {
		return nil, usageError{err}
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg, Proxy: http.ProxyFromEnvironment}}, nil
}
