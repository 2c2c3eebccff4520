package signal

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestClientTLSOptions(t *testing.T) {
	dir := t.TempDir()
	cert, fp, err := SelfSigned([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	other, otherFP, err := SelfSigned([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	caFile, notPEM := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "not.pem")
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o644)
	os.WriteFile(notPEM, []byte("not a certificate"), 0o644)
	plainHex := strings.ToLower(strings.ReplaceAll(fp, ":", ""))

	tests := []struct {
		name     string
		opts     ClientTLSOptions
		wantErr  error  // nil: success
		wantText string // in the error
		insecure bool   // InsecureSkipVerify
		roots    bool   // RootCAs set
		pinned   bool   // VerifyConnection accepts cert and refuses other
	}{
		{name: "system roots", opts: ClientTLSOptions{}},
		{name: "insecure", opts: ClientTLSOptions{Insecure: true}, insecure: true},
		{name: "CA file", opts: ClientTLSOptions{CAFile: caFile}, roots: true},
		{name: "missing CA file", opts: ClientTLSOptions{CAFile: filepath.Join(dir, "missing.pem")}, wantErr: fs.ErrNotExist},
		{name: "CA file without PEM", opts: ClientTLSOptions{CAFile: notPEM}, wantText: "holds no PEM certificate"},
		{name: "pin as serve prints it", opts: ClientTLSOptions{PinSHA256: fp}, insecure: true, pinned: true},
		{name: "pin in lower case without colons", opts: ClientTLSOptions{PinSHA256: plainHex}, insecure: true, pinned: true},
		{name: "pin too short", opts: ClientTLSOptions{PinSHA256: fp[:94]}, wantText: "64 hex digits"},
		{name: "pin not hex", opts: ClientTLSOptions{PinSHA256: strings.Repeat("zz", 32)}, wantText: "64 hex digits"},
		{name: "insecure and CA", opts: ClientTLSOptions{Insecure: true, CAFile: caFile}, wantErr: ErrTLSOptions},
		{name: "insecure and pin", opts: ClientTLSOptions{Insecure: true, PinSHA256: fp}, wantErr: ErrTLSOptions},
		{name: "CA and pin", opts: ClientTLSOptions{CAFile: caFile, PinSHA256: fp}, wantErr: ErrTLSOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := tt.opts.Config()
			if tt.wantErr != nil || tt.wantText != "" {
				if cfg != nil || err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) || !strings.Contains(err.Error(), tt.wantText) {
					t.Fatalf("Config() = %v, %v; want %v %q", cfg, err, tt.wantErr, tt.wantText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.MinVersion != tls.VersionTLS12 || cfg.InsecureSkipVerify != tt.insecure || (cfg.RootCAs != nil) != tt.roots ||
				(cfg.VerifyConnection != nil) != tt.pinned {
				t.Fatalf("config %+v", cfg)
			}
			if !tt.pinned {
				return
			}
			state := func(c tls.Certificate) tls.ConnectionState {
				return tls.ConnectionState{PeerCertificates: []*x509.Certificate{c.Leaf}}
			}
			if err := cfg.VerifyConnection(state(cert)); err != nil {
				t.Fatalf("pinned certificate refused: %v", err)
			}
			err = cfg.VerifyConnection(state(other))
			if want := "expected " + fp + ", got " + otherFP; !errors.Is(err, ErrPinMismatch) || !strings.Contains(err.Error(), want) {
				t.Fatalf("another certificate: %v; want ErrPinMismatch saying %q", err, want)
			}
		})
	}
}
