package icecheck

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"
)

// codeWords says what a STUN error code means for the user (RFC 8489
// §14.8, RFC 8656 §18.9).
var codeWords = map[int]string{
	400: "bad request: the server did not understand the request",
	401: "unauthorized: wrong username or password, or expired credentials",
	403: "forbidden: the server refuses this client or its relays",
	420: "unknown attribute: the server does not speak this TURN",
	437: "allocation mismatch: the server holds another allocation for this address",
	438: "stale nonce: the server keeps refusing its own nonce",
	440: "address family not supported by the server",
	441: "wrong credentials: not those the allocation was made with",
	442: "unsupported transport: the server does not relay UDP",
	486: "allocation quota reached: too many allocations for this user",
	500: "server error",
	508: "insufficient capacity: the server has no relay left",
}

// explain says why a check failed, in words, and the STUN error code if
// the server answered with one.
func explain(err error, timeout time.Duration) (string, int) {
	var ce *CodeError
	var dns *net.DNSError
	switch {
	case errors.As(err, &ce):
		if w, ok := codeWords[ce.Code]; ok {
			return w, ce.Code
		}
		return fmt.Sprintf("error response: %q", ce.Reason), ce.Code
	case errors.Is(err, ErrTLS):
		return tlsWords(err, timeout), 0
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Sprintf("no answer within %v: port blocked or wrong address", timeout), 0
	case errors.Is(err, context.Canceled):
		return "check interrupted", 0
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused: nothing listens on this TCP port", 0
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
		return "the server closed the connection", 0
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return "no route to the server's address", 0
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return fmt.Sprintf("unknown host %s", dns.Name), 0
		}
		return fmt.Sprintf("cannot look %s up: %s", dns.Name, dns.Err), 0
	}
	return err.Error(), 0
}

// tlsWords says why a TLS handshake failed.
func tlsWords(err error, timeout time.Duration) string {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		header   tls.RecordHeaderError
		alert    tls.AlertError
	)
	switch {
	case errors.As(err, &unknown):
		return "TLS: certificate signed by an unknown authority (self-signed?)"
	case errors.As(err, &hostname):
		return fmt.Sprintf("TLS: the certificate is not valid for %s", hostname.Host)
	case errors.As(err, &invalid):
		return "TLS: invalid certificate: " + invalid.Error()
	case errors.As(err, &header):
		return "TLS: the server does not speak TLS on this port (a turn: port?)"
	case errors.As(err, &alert):
		return "TLS: the server refused the handshake: " + alert.Error()
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Sprintf("TLS: no handshake within %v", timeout)
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
		return "TLS: the server closed the connection during the handshake (not a TLS port?)"
	}
	return "TLS handshake failed: " + strings.TrimPrefix(err.Error(), ErrTLS.Error()+": ")
}
