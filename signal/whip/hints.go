package whip

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// explain adds to a failed request what the user can do about it: the
// TLS flags for a certificate not trusted, the other scheme for a server
// that speaks the other one.
func explain(ctx context.Context, err error, rawURL string) error {
	var (
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		notTLS  tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &unknown):
		return fmt.Errorf("%w; to trust it, pass --ca FILE with the endpoint's certificate or its CA, "+
			"--pin-sha256 with its fingerprint (a --tls-self-signed endpoint prints it), or --insecure", err)
	case errors.As(err, &host):
		return fmt.Errorf("%w; use a name the certificate is for, or pass --pin-sha256 with its fingerprint, or --insecure", err)
	case errors.As(err, &notTLS), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return fmt.Errorf("%w; this endpoint does not speak TLS: use %s", err, "http"+strings.TrimPrefix(rawURL, "https"))
	case strings.HasPrefix(rawURL, "http:") && speaksTLS(ctx, err, rawURL):
		return fmt.Errorf("%w; this endpoint speaks TLS: use %s", err, "https"+strings.TrimPrefix(rawURL, "http"))
	}
	return err
}

// speaksTLS tells whether the server that failed a plain request completes
// a TLS handshake instead.
func speaksTLS(ctx context.Context, err error, rawURL string) bool {
	var oe *net.OpError
	if ctx.Err() != nil || (errors.As(err, &oe) && oe.Op == "dial") {
		return false // it never reached the server
	}
	u, perr := url.Parse(rawURL)
	if perr != nil {
		return false
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	nc, derr := (&net.Dialer{}).DialContext(ctx, "tcp", net.JoinHostPort(u.Hostname(), port))
	if derr != nil {
		return false
	}
	defer nc.Close()
	// Nothing is sent over it: whose certificate it is does not matter.
	return tls.Client(nc, &tls.Config{InsecureSkipVerify: true, ServerName: u.Hostname()}).HandshakeContext(ctx) == nil
}
