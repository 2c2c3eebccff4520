package main

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

func TestPeerFlags(t *testing.T) {
	t.Setenv("WEBRTC_CLI_SERVER", "")
	t.Setenv(envToken, "tok-from-env")
	tokenFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte("tok-from-file\n"), 0o600)
	const fp = "7D:EA:B0:00:DA:B4:06:FA:96:FD:D5:80:5F:B3:94:7E:95:61:DB:0E:84:9C:76:83:23:2A:07:0E:7F:78:AF:A4"
	tests := []struct {
		name    string
		env     string // $WEBRTC_CLI_SERVER
		args    []string
		wantErr string // a usage error saying this; "" for none
		check   func(t *testing.T, sc signal.ClientConfig)
	}{
		{name: "defaults", check: func(t *testing.T, sc signal.ClientConfig) {
			if sc.Token != "tok-from-env" || sc.ReconnectTimeout != 2*time.Minute || sc.TLS == nil || sc.TLS.InsecureSkipVerify ||
				sc.URL != "" || !slices.Equal(sc.URLs, []string{"ws://127.0.0.1:8080/ws"}) {
				t.Errorf("config %+v", sc)
			}
		}},
		{name: "several servers, repeated and comma-separated", args: []string{"--server", "wss://a/ws,wss://b/ws", "--server", "wss://c/ws"},
			check: servers("wss://a/ws", "wss://b/ws", "wss://c/ws")},
		{name: "spaces and empty entries", args: []string{"--server", " ws://a/ws , ,b:8080"}, check: servers("ws://a/ws", "b:8080")},
		{name: "servers from the environment", env: "wss://a/ws, https://b", check: servers("wss://a/ws", "https://b")},
		{name: "--server over the environment", env: "wss://a/ws,wss://b/ws", args: []string{"--server", "ws://c/ws"}, check: servers("ws://c/ws")},
		{name: "no server", args: []string{"--server", " , "}, wantErr: "--server: no server URL given"},
		{name: "ws:// and wss:// mixed", args: []string{"--server", "wss://a/ws,ws://b/ws", "--server", "wss://c/ws"},
			wantErr: "--server mixes ws:// servers (ws://b/ws) and wss:// ones (wss://a/ws, wss://c/ws)"},
		{name: "a bare host and https:// mixed", env: "h:8080,https://h", wantErr: "--server mixes ws:// servers (h:8080) and wss:// ones (https://h)"},
		{name: "--ca with ws:// servers", args: []string{"--server", "ws://a/ws,http://b", "--ca", "ca.pem"},
			wantErr: "--ca is for wss:// servers; --server is ws://a/ws,http://b"},
		{name: "--insecure with wss:// servers", args: []string{"--server", "wss://a/ws", "--server", "WSS://b/ws", "--insecure"},
			check: func(t *testing.T, sc signal.ClientConfig) {
				if !sc.TLS.InsecureSkipVerify || len(sc.URLs) != 2 {
					t.Errorf("config %+v", sc)
				}
			}},
		{name: "--ca with the default ws:// server", args: []string{"--ca", "ca.pem"},
			wantErr: "--ca is for wss:// servers; --server is ws://127.0.0.1:8080/ws"},
		{name: "--insecure with ws://", args: []string{"--server", "ws://h:8080/ws", "--insecure"},
			wantErr: "--insecure is for wss:// servers; --server is ws://h:8080/ws"},
		{name: "--pin-sha256 with http://", args: []string{"--server", "http://h:8080", "--pin-sha256", fp},
			wantErr: "--pin-sha256 is for wss:// servers; --server is http://h:8080"},
		{name: "--pin-sha256 with a bare host", args: []string{"--server", "h:8080", "--pin-sha256", fp},
			wantErr: "--pin-sha256 is for wss:// servers"},
		{name: "two with ws://", args: []string{"--insecure", "--ca", "ca.pem"}, wantErr: "--insecure and --ca are for wss:// servers"},
		{name: "--insecure and --pin-sha256", args: []string{"--server", "wss://h/ws", "--insecure", "--pin-sha256", fp},
			wantErr: "--insecure, --pin-sha256: "},
		{name: "--ca missing", args: []string{"--server", "wss://h/ws", "--ca", "/nonexistent.pem"}, wantErr: "--ca: CA file"},
		{name: "--pin-sha256 malformed", args: []string{"--server", "WSS://h/ws", "--pin-sha256", "AB:CD"}, wantErr: "--pin-sha256: SHA-256 fingerprint"},
		{name: "--insecure with wss://", args: []string{"--server", "wss://h/ws", "--insecure"}, check: func(t *testing.T, sc signal.ClientConfig) {
			if !sc.TLS.InsecureSkipVerify || sc.TLS.VerifyConnection != nil {
				t.Errorf("TLS %+v", sc.TLS)
			}
		}},
		{name: "--pin-sha256 with https://", args: []string{"--server", "https://h", "--pin-sha256", strings.ToLower(fp)},
			check: func(t *testing.T, sc signal.ClientConfig) {
				if sc.TLS.VerifyConnection == nil {
					t.Errorf("TLS %+v: not pinned", sc.TLS)
				}
			}},
		{name: "--reconnect-timeout", args: []string{"--reconnect-timeout", "30s"}, check: func(t *testing.T, sc signal.ClientConfig) {
			if sc.ReconnectTimeout != 30*time.Second {
				t.Errorf("ReconnectTimeout %v", sc.ReconnectTimeout)
			}
		}},
		{name: "--reconnect-timeout 0 is forever", args: []string{"--reconnect-timeout", "0"}, check: func(t *testing.T, sc signal.ClientConfig) {
			if sc.ReconnectTimeout >= 0 {
				t.Errorf("ReconnectTimeout %v; want negative (never give up)", sc.ReconnectTimeout)
			}
		}},
		{name: "--token @FILE", args: []string{"--token", "@" + tokenFile}, check: func(t *testing.T, sc signal.ClientConfig) {
			if sc.Token != "tok-from-file" {
				t.Errorf("token %q", sc.Token)
			}
		}},
		{name: "--token from the environment", check: func(t *testing.T, sc signal.ClientConfig) {
			if sc.Token != "tok-from-env" {
				t.Errorf("token %q", sc.Token)
			}
		}},
		{name: "--reconnect-timeout negative", args: []string{"--reconnect-timeout", "-1s"}, wantErr: "--reconnect-timeout -1s: must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("WEBRTC_CLI_SERVER", tt.env)
			var f peerFlags
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			f.register(fs, "me")
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			sc, _, err := f.config()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				tt.check(t, sc)
				return
			}
			if !errors.As(err, new(usageError)) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("config() = %v; want a usage error saying %q", err, tt.wantErr)
			}
		})
	}
}

// servers checks the servers of the config.
func servers(want ...string) func(t *testing.T, sc signal.ClientConfig) {
	return func(t *testing.T, sc signal.ClientConfig) {
		if sc.URL != "" || !slices.Equal(sc.URLs, want) {
			t.Errorf("servers %q, %q; want %q", sc.URL, sc.URLs, want)
		}
	}
}
