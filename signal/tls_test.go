package signal

import (
	"context"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"testing"
)

func TestClientOverTLS(t *testing.T) {
	cert, fp, err := SelfSigned([]string{"127.0.0.1"})
	if err != nil || len(fp) != 95 {
		t.Fatalf("self-signed: %v, fingerprint %q", err, fp)
	}
	tlsCfg, _ := ClientTLS(false, "")
	tlsCfg.Certificates = nil
	s := NewServer(ServerConfig{TLS: ServerTLS(cert)})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	url := "wss://" + ln.Addr().String() + "/ws"
	dctx, dcancel := context.WithTimeout(context.Background(), wait)
	defer dcancel()

	// Unverified certificate: refused.
	if c, err := Dial(dctx, ClientConfig{URL: url, Room: "tls", TLS: tlsCfg, NoReconnect: true}); err == nil {
		c.Close()
		t.Fatal("self-signed certificate accepted without --insecure or --ca")
	}
	// --insecure
	insecure, _ := ClientTLS(true, "")
	c, err := Dial(dctx, ClientConfig{URL: url, Room: "tls", TLS: insecure})
	if err != nil {
		t.Fatalf("insecure: %v", err)
	}
	c.Close()
	// --ca with the server's certificate
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o644)
	withCA, err := ClientTLS(false, caFile)
	if err != nil {
		t.Fatal(err)
	}
	c, err = Dial(dctx, ClientConfig{URL: url, Room: "tls", TLS: withCA})
	if err != nil {
		t.Fatalf("with CA: %v", err)
	}
	if c.ID() == "" {
		t.Fatal("no welcome over wss")
	}
	c.Close()
	if _, err := ClientTLS(false, filepath.Join(t.TempDir(), "missing.pem")); err == nil {
		t.Fatal("missing CA file accepted")
	}
}
