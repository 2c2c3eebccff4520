package signal

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestTLSOptions(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	cert, _, err := SelfSigned([]string{"files.example"})
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalECPrivateKey(cert.PrivateKey.(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600)
	missing := filepath.Join(dir, "missing.pem")
	out := filepath.Join(dir, "out.pem")
	hostname, _ := os.Hostname()

	tests := []struct {
		name      string
		opts      TLSOptions
		wantErr   error // nil: success
		wantTLS   bool
		wantFP    bool
		wantNames []string // in the certificate served
		wantIPs   []string
		wantOut   bool // the certificate is written to SelfSignedOut
	}{
		{name: "plain ws", opts: TLSOptions{Addr: ":8080"}},
		{name: "self-signed and files", opts: TLSOptions{SelfSigned: true, CertFile: certFile, KeyFile: keyFile}, wantErr: ErrTLSOptions},
		{name: "self-signed and a key", opts: TLSOptions{SelfSigned: true, KeyFile: keyFile}, wantErr: ErrTLSOptions},
		{name: "cert without key", opts: TLSOptions{CertFile: certFile}, wantErr: ErrTLSOptions},
		{name: "key without cert", opts: TLSOptions{KeyFile: keyFile}, wantErr: ErrTLSOptions},
		{name: "missing files", opts: TLSOptions{CertFile: missing, KeyFile: missing}, wantErr: fs.ErrNotExist},
		{name: "self-signed out without self-signed", opts: TLSOptions{SelfSignedOut: out}, wantErr: ErrTLSOptions},
		{name: "self-signed out with files", opts: TLSOptions{SelfSignedOut: out, CertFile: certFile, KeyFile: keyFile}, wantErr: ErrTLSOptions},
		{name: "self-signed out to a missing directory", opts: TLSOptions{SelfSigned: true, SelfSignedOut: filepath.Join(missing, "out.pem")},
			wantErr: fs.ErrNotExist},
		{name: "self-signed, written out", opts: TLSOptions{SelfSigned: true, SelfSignedOut: out}, wantTLS: true, wantFP: true, wantOut: true},
		{name: "files", opts: TLSOptions{CertFile: certFile, KeyFile: keyFile}, wantTLS: true, wantNames: []string{"files.example"}},
		{name: "self-signed, wildcard address", opts: TLSOptions{SelfSigned: true, Addr: ":8443"}, wantTLS: true, wantFP: true,
			wantNames: []string{"localhost", hostname}, wantIPs: []string{"127.0.0.1", "::1"}},
		{name: "self-signed, listen host", opts: TLSOptions{SelfSigned: true, Addr: "192.0.2.7:8443"}, wantTLS: true, wantFP: true,
			wantNames: []string{"localhost"}, wantIPs: []string{"127.0.0.1", "::1", "192.0.2.7"}},
		{name: "self-signed, listen name", opts: TLSOptions{SelfSigned: true, Addr: "cam.example:8443"}, wantTLS: true, wantFP: true,
			wantNames: []string{"localhost", "cam.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, fp, err := tt.opts.Config()
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || cfg != nil {
					t.Fatalf("Config() = %v, %v; want %v", cfg, err, tt.wantErr)
				}
				if tt.wantErr != ErrTLSOptions && errors.Is(err, ErrTLSOptions) {
					t.Fatalf("a runtime failure reported as contradictory options: %v", err)
				}
				return
			}
			if err != nil || (cfg != nil) != tt.wantTLS || (fp != "") != tt.wantFP {
				t.Fatalf("Config() = %v, fingerprint %q, %v", cfg, fp, err)
			}
			if !tt.wantTLS {
				return
			}
			if cfg.MinVersion != ServerTLS(cert).MinVersion || len(cfg.Certificates) != 1 {
				t.Fatalf("config %+v", cfg)
			}
			if tt.wantFP && len(fp) != 95 {
				t.Fatalf("fingerprint %q", fp)
			}
			leaf, err := x509.ParseCertificate(cfg.Certificates[0].Certificate[0])
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantOut {
				data, err := os.ReadFile(tt.opts.SelfSignedOut)
				if err != nil {
					t.Fatal(err)
				}
				block, rest := pem.Decode(data)
				if block == nil || block.Type != "CERTIFICATE" || !bytes.Equal(block.Bytes, leaf.Raw) || len(rest) != 0 {
					t.Fatalf("written out: %q; want the served certificate alone", data)
				}
				if got := fingerprint(sha256.Sum256(block.Bytes)); got != fp {
					t.Fatalf("written out certificate has fingerprint %s; serve prints %s", got, fp)
				}
			}
			for _, n := range tt.wantNames {
				if !slices.Contains(leaf.DNSNames, n) {
					t.Errorf("certificate names %v lack %q", leaf.DNSNames, n)
				}
			}
			for _, ip := range tt.wantIPs {
				if !slices.ContainsFunc(leaf.IPAddresses, func(a net.IP) bool { return a.Equal(net.ParseIP(ip)) }) {
					t.Errorf("certificate addresses %v lack %s", leaf.IPAddresses, ip)
				}
			}
		})
	}
}
