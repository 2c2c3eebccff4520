package signal

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// tlsServer serves signaling over TLS with a self-signed certificate,
// written to a file as serve --tls-self-signed-out does; it returns the
// address, the fingerprint and the file.
func tlsServer(t *testing.T) (addr, fp, certFile string) {
	t.Helper()
	certFile = filepath.Join(t.TempDir(), "cert.pem")
	cfg, fp, err := TLSOptions{SelfSigned: true, SelfSignedOut: certFile, Addr: "127.0.0.1:0"}.Config()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- NewServer(ServerConfig{TLS: cfg}).Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return ln.Addr().String(), fp, certFile
}

// alertServer is a TLS server of another make: it answers a plain request
// with a TLS alert, not with an HTTP 400 as Go's does.
func alertServer(t *testing.T) string {
	t.Helper()
	cert, _, err := SelfSigned([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			nc.SetDeadline(time.Now().Add(wait))
			br := bufio.NewReader(nc)
			if first, err := br.Peek(1); err == nil && first[0] == 0x16 { // a TLS handshake record
				tls.Server(peeked{nc, br}, ServerTLS(cert)).Handshake()
			} else {
				nc.Write([]byte{0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46}) // alert: protocol version
			}
			nc.Close()
		}
	})
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return ln.Addr().String()
}

type peeked struct {
	net.Conn
	r *bufio.Reader
}

func (p peeked) Read(b []byte) (int, error) { return p.r.Read(b) }

// TestClientOverTLS checks each way of trusting a wss:// server, and that
// each TLS mistake says what to do instead.
func TestClientOverTLS(t *testing.T) {
	addr, fp, certFile := tlsServer(t)
	_, otherFP, err := SelfSigned(nil)
	if err != nil {
		t.Fatal(err)
	}
	_, plainURL := testServer(t, ServerConfig{})
	plain := strings.TrimPrefix(plainURL, "ws://")
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no", http.StatusBadRequest)
	}))
	defer bad.Close()
	alert := alertServer(t)

	tests := []struct {
		name       string
		url        string
		opts       *ClientTLSOptions // nil: none
		serverName string            // overrides the name checked
		ok         bool              // the join succeeds
		is         error             // the error matches it
		as         any               // the error has one of these (a pointer to its type)
		text       []string          // in the error
		notText    string            // not in the error
	}{
		{name: "untrusted", url: "wss://" + addr, opts: &ClientTLSOptions{}, as: new(x509.UnknownAuthorityError),
			text: []string{"--ca FILE", "--tls-self-signed-out FILE", "--pin-sha256", "--insecure"}},
		{name: "insecure", url: "wss://" + addr, opts: &ClientTLSOptions{Insecure: true}, ok: true},
		{name: "CA from --tls-self-signed-out", url: "wss://" + addr, opts: &ClientTLSOptions{CAFile: certFile}, ok: true},
		{name: "CA, another host name", url: "wss://" + addr, opts: &ClientTLSOptions{CAFile: certFile}, serverName: "elsewhere.example",
			as: new(x509.HostnameError), text: []string{"connect by a name the certificate is for", "--pin-sha256"}},
		{name: "pin as serve prints it", url: "wss://" + addr, opts: &ClientTLSOptions{PinSHA256: fp}, ok: true},
		{name: "pin, lower case, no colons", url: "wss://" + addr,
			opts: &ClientTLSOptions{PinSHA256: strings.ToLower(strings.ReplaceAll(fp, ":", ""))}, ok: true},
		{name: "pin of another certificate", url: "wss://" + addr, opts: &ClientTLSOptions{PinSHA256: otherFP}, is: ErrPinMismatch,
			text: []string{"expected " + otherFP + ", got " + fp}},
		{name: "ws:// to a TLS port", url: "ws://" + addr, text: []string{"this server speaks TLS: use wss://" + addr + "/ws"}},
		{name: "ws:// to a TLS port that sends an alert", url: "ws://" + alert, text: []string{"this server speaks TLS: use wss://" + alert + "/ws"}},
		{name: "wss:// to a plain port", url: "wss://" + plain, opts: &ClientTLSOptions{}, as: new(tls.RecordHeaderError),
			text: []string{"this server does not speak TLS: use ws://" + plain}},
		{name: "a plain 400", url: bad.URL, is: websocket.ErrBadHandshake, text: []string{"HTTP 400"}, notText: "TLS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ClientConfig{URL: tt.url, Room: "tls", NoReconnect: true}
			if tt.opts != nil {
				var err error
				if cfg.TLS, err = tt.opts.Config(); err != nil {
					t.Fatal(err)
				}
				cfg.TLS.ServerName = tt.serverName
			}
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			c, err := Dial(ctx, cfg)
			if c != nil {
				if c.ID() == "" {
					t.Error("no welcome")
				}
				c.Close()
			}
			if (err == nil) != tt.ok {
				t.Fatalf("Dial: %v; want success %v", err, tt.ok)
			}
			if err == nil {
				return
			}
			if (tt.is != nil && !errors.Is(err, tt.is)) || (tt.as != nil && !errors.As(err, tt.as)) {
				t.Errorf("Dial: %v; want %v %T", err, tt.is, tt.as)
			}
			for _, s := range tt.text {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Dial: %v; want %q in it", err, s)
				}
			}
			if tt.notText != "" && strings.Contains(err.Error(), tt.notText) {
				t.Errorf("Dial: %v; want no %q in it", err, tt.notText)
			}
		})
	}
}
