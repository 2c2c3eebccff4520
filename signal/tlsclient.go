package signal

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// ErrPinMismatch: the server's certificate is not the pinned one.
var ErrPinMismatch = errors.New("signal: the server's certificate is not the pinned one")

// ClientTLSOptions chooses how a client trusts a wss:// server: by the
// system roots (the zero value), also by a CA file, by the certificate's
// fingerprint alone, or not at all. They exclude each other.
type ClientTLSOptions struct {
	Insecure bool   // accept any certificate
	CAFile   string // PEM CA, or the server's own certificate, trusted besides the system roots
	// PinSHA256 is the SHA-256 fingerprint of the server's certificate as
	// serve prints it (colons and case optional). It replaces the chain
	// and host name checks: the certificate must be exactly this one.
	PinSHA256 string
}

// Config returns the client's TLS configuration. Options that exclude
// each other give ErrTLSOptions.
func (o ClientTLSOptions) Config() (*tls.Config, error) {
	n := 0
	for _, set := range []bool{o.Insecure, o.CAFile != "", o.PinSHA256 != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return nil, fmt.Errorf("%w: pick one way to trust the server: any certificate, a CA file or a pinned fingerprint", ErrTLSOptions)
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: o.Insecure}
	switch {
	case o.CAFile != "":
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("CA file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s holds no PEM certificate", o.CAFile)
		}
		cfg.RootCAs = pool
	case o.PinSHA256 != "":
		want, err := parseFingerprint(o.PinSHA256)
		if err != nil {
			return nil, err
		}
		// The pin is the whole check: the certificate need not chain to
		// anything nor name the host (serve's self-signed one names only
		// the names it knows).
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return fmt.Errorf("%w: the server sent no certificate", ErrPinMismatch)
			}
			if got := sha256.Sum256(cs.PeerCertificates[0].Raw); got != want {
				return fmt.Errorf("%w: expected %s, got %s (a self-signed certificate changes each time serve starts: pin the one it printed last)",
					ErrPinMismatch, fingerprint(want), fingerprint(got))
			}
			return nil
		}
	}
	return cfg, nil
}

// parseFingerprint reads a SHA-256 fingerprint in the form serve prints
// (AB:CD:…), or as plain hex, in either case.
func parseFingerprint(s string) ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	b, err := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(s), ":", ""))
	if err != nil || len(b) != len(sum) {
		return sum, fmt.Errorf("SHA-256 fingerprint %q: want 64 hex digits, colons optional, as serve prints it", s)
	}
	copy(sum[:], b)
	return sum, nil
}
