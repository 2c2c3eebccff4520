package whip

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/webrtc-cli/webrtc-cli/signal"
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
	case strings.HasPrefix(rawURL, "http:") && signal.SpeaksTLS(ctx, nil, rawURL, err):
		return fmt.Errorf("%w; this endpoint speaks TLS: use %s", err, "https"+strings.TrimPrefix(rawURL, "http"))
	}
	return err
}
