package signal

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// explain adds to a failed dial what the user can do about it.
// i is the server's index in c.urls.
func (c *Client) explain(ctx context.Context, i int, err error, resp *http.Response) error {
	var (
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		notTLS  tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &unknown):
		return fmt.Errorf("%w; to trust it, pass --ca FILE with the server's certificate or its CA "+
			"(serve --tls-self-signed-out FILE writes it), --pin-sha256 with the fingerprint serve printed, or --insecure", err)
	case errors.As(err, &host):
		return fmt.Errorf("%w; connect by a name the certificate is for, or pass --pin-sha256 with the fingerprint serve printed, or --insecure", err)
	case errors.As(err, &notTLS):
		return fmt.Errorf("%w; this server does not speak TLS: use %s", err, "ws"+strings.TrimPrefix(c.shown[i], "wss"))
	case strings.HasPrefix(c.urls[i], "ws:") && (resp == nil || resp.StatusCode == http.StatusBadRequest) && SpeaksTLS(ctx, c.cfg.NetDial, c.urls[i], err):
		return fmt.Errorf("%w; this server speaks TLS: use %s", err, "wss"+strings.TrimPrefix(c.shown[i], "ws"))
	}
	return err
}

// SpeaksTLS tells whether the server of rawURL (ws:// or http://), which
// failed a plain request with cause, completes a TLS handshake instead.
// TLS servers answer a plain request with an alert, a 400 or nothing,
// depending on their make; a handshake is the one answer they all give.
// dial nil is net.Dialer's.
func SpeaksTLS(ctx context.Context, dial func(ctx context.Context, network, addr string) (net.Conn, error), rawURL string, cause error) bool {
	var oe *net.OpError
	if ctx.Err() != nil || (errors.As(cause, &oe) && oe.Op == "dial") {
		return false // it never reached the server
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	nc, err := dial(ctx, "tcp", net.JoinHostPort(u.Hostname(), port))
	if err != nil {
		return false
	}
	defer nc.Close()
	// Nothing is sent over it: whose certificate it is does not matter.
	probe := tls.Client(nc, &tls.Config{InsecureSkipVerify: true, ServerName: u.Hostname()})
	return probe.HandshakeContext(ctx) == nil
}
