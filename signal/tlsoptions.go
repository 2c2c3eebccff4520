package signal

import (
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"net"
	"os"
)

// TLSOptions chooses how the server does TLS: with a certificate from
// files, with an ephemeral self-signed one, or (the zero value) not at all.
type TLSOptions struct {
	CertFile, KeyFile string // PEM files
	// SelfSigned makes a certificate for this run, so that wss works
	// without one (for trials on a LAN; clients need --ca, --pin-sha256
	// or --insecure).
	SelfSigned bool
	// SelfSignedOut, with SelfSigned, is a file to write the certificate
	// to (PEM), for clients to trust with --ca.
	SelfSignedOut string
	// Addr is the listen address: its host, when it names one, goes into
	// the self-signed certificate besides localhost and the hostname.
	Addr string
}

// Config returns the server's TLS configuration, nil for plain ws, and for
// a self-signed certificate its SHA-256 fingerprint, which the user should
// be shown: it is how a browser's warning can be checked. Options that
// contradict each other give ErrTLSOptions.
func (o TLSOptions) Config() (cfg *tls.Config, fingerprint string, err error) {
	switch {
	case o.SelfSignedOut != "" && !o.SelfSigned:
		return nil, "", fmt.Errorf("%w: only a self-signed certificate is written out: the others are files already", ErrTLSOptions)
	case o.SelfSigned && (o.CertFile != "" || o.KeyFile != ""):
		return nil, "", fmt.Errorf("%w: a self-signed certificate and certificate files exclude each other", ErrTLSOptions)
	case (o.CertFile == "") != (o.KeyFile == ""):
		return nil, "", fmt.Errorf("%w: the certificate and key files go together", ErrTLSOptions)
	case o.CertFile != "":
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, "", fmt.Errorf("signal: loading the TLS certificate: %w", err)
		}
		return ServerTLS(cert), "", nil
	case o.SelfSigned:
		cert, fp, err := SelfSigned(o.hosts())
		if err != nil {
			return nil, "", fmt.Errorf("signal: making a self-signed certificate: %w", err)
		}
		if o.SelfSignedOut != "" {
			// The certificate only: it is public, unlike the key.
			out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})
			if err := os.WriteFile(o.SelfSignedOut, out, 0o644); err != nil {
				return nil, "", fmt.Errorf("signal: writing the self-signed certificate: %w", err)
			}
		}
		return ServerTLS(cert), fp, nil
	}
	return nil, "", nil
}

// hosts are the names a self-signed certificate is for: the loopback
// names, plus the listen host and the hostname, which is how other
// machines reach the server.
func (o TLSOptions) hosts() []string {
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	if h, _, err := net.SplitHostPort(o.Addr); err == nil && h != "" {
		hosts = append(hosts, h)
	}
	if name, err := os.Hostname(); err == nil {
		hosts = append(hosts, name)
	}
	return hosts
}
