package icecheck

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestICEExplain(t *testing.T) {
	cases := []struct {
		err  error
		code int
		want string
	}{
		{&CodeError{Code: 401, Reason: "Unauthorized"}, 401, "unauthorized: wrong username or password, or expired credentials"},
		{&CodeError{Code: 403, Reason: "Forbidden"}, 403, "forbidden"},
		{&CodeError{Code: 437}, 437, "allocation mismatch"},
		{&CodeError{Code: 441}, 441, "wrong credentials"},
		{&CodeError{Code: 486}, 486, "allocation quota reached"},
		{&CodeError{Code: 508}, 508, "insufficient capacity"},
		{fmt.Errorf("allocate: %w", &CodeError{Code: 599, Reason: "Odd"}), 599, `error response: "Odd"`},
		{context.DeadlineExceeded, 0, "no answer within 5s: port blocked or wrong address"},
		{os.ErrDeadlineExceeded, 0, "no answer within 5s"},
		{context.Canceled, 0, "interrupted"},
		{&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, 0, "connection refused"},
		{&net.DNSError{Name: "turn.invalid", Err: "no such host", IsNotFound: true}, 0, "unknown host turn.invalid"},
		{ErrNoCredentials, 0, "needs a username and credential"},
		{fmt.Errorf("%w: %w", ErrTLS, x509.UnknownAuthorityError{}), 0, "TLS: certificate signed by an unknown authority"},
		{fmt.Errorf("%w: %w", ErrTLS, x509.HostnameError{Host: "turn.example"}), 0, "TLS: the certificate is not valid for turn.example"},
		{fmt.Errorf("%w: %w", ErrTLS, context.DeadlineExceeded), 0, "TLS: no handshake within 5s"},
		{fmt.Errorf("%w: %w", ErrTLS, errors.New("odd")), 0, "TLS handshake failed: odd"},
		{errors.New("something else"), 0, "something else"},
	}
	for _, tc := range cases {
		got, code := explain(tc.err, 5*time.Second)
		if code != tc.code || !strings.Contains(got, tc.want) {
			t.Errorf("%v: %q, %d; want %q, %d", tc.err, got, code, tc.want, tc.code)
		}
	}
}
