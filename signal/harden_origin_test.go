package signal

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

func TestOrigin(t *testing.T) {
	// PORT stands for the test server's port.
	cases := []struct {
		name         string
		host, origin string
		tls          bool
		public       []string
		allow        []string
		ok           bool
	}{
		{name: "no origin", ok: true},
		{name: "same origin by IP", origin: "http://127.0.0.1:PORT", ok: true},
		{name: "same origin, localhost", host: "localhost:PORT", origin: "http://localhost:PORT", ok: true},
		{name: "same origin, IPv6 loopback", host: "[::1]:PORT", origin: "http://[::1]:PORT", ok: true},
		{name: "same origin, any IP literal", host: "192.0.2.7:PORT", origin: "http://192.0.2.7:PORT", ok: true},
		{name: "same origin over TLS", tls: true, origin: "https://127.0.0.1:PORT", ok: true},
		{name: "DNS rebinding", host: "evil.example:PORT", origin: "http://evil.example:PORT"},
		{name: "https page, plain server", origin: "https://127.0.0.1:PORT"},
		{name: "http page, TLS server", tls: true, origin: "http://127.0.0.1:PORT"},
		{name: "other port", origin: "http://127.0.0.1:1"},
		{name: "host as a prefix", origin: "http://127.0.0.1:PORT.evil.example"},
		{name: "opaque origin", origin: "null"},
		{name: "public URL behind a TLS proxy", host: "signal.example.org", origin: "https://signal.example.org",
			public: []string{"https://signal.example.org/ws"}, ok: true},
		{name: "public URL as wss, with port", host: "signal.example.org:8443", origin: "https://signal.example.org:8443",
			public: []string{"wss://signal.example.org:8443"}, ok: true},
		{name: "public URL, other name", host: "evil.example", origin: "https://evil.example",
			public: []string{"https://signal.example.org"}},
		{name: "public URL, other scheme", origin: "http://signal.example.org", public: []string{"https://signal.example.org"}},
		{name: "public URL keeps loopback", origin: "http://127.0.0.1:PORT", public: []string{"https://signal.example.org"}, ok: true},
		{name: "allowed origin", origin: "https://app.example", allow: []string{"https://app.example/"}, ok: true},
		{name: "allowed origin, default port spelled out", origin: "https://app.example", allow: []string{"https://APP.example:443"}, ok: true},
		{name: "not allowed", origin: "https://evil.example", allow: []string{"https://app.example"}},
		{name: "allow all", host: "evil.example:PORT", origin: "https://evil.example", allow: []string{"*"}, ok: true},
		{name: "allow null", origin: "null", allow: []string{"null"}, ok: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := NewServer(ServerConfig{PublicURLs: tc.public, AllowOrigins: tc.allow})
			hs := httptest.NewUnstartedServer(s)
			dialer := *websocket.DefaultDialer
			if tc.tls {
				hs.StartTLS()
				dialer.TLSClientConfig = hs.Client().Transport.(*http.Transport).TLSClientConfig
			} else {
				hs.Start()
			}
			defer hs.Close()
			port := hs.URL[strings.LastIndex(hs.URL, ":")+1:]
			h := http.Header{}
			if tc.host != "" {
				h.Set("Host", strings.ReplaceAll(tc.host, "PORT", port))
			}
			origin := strings.ReplaceAll(tc.origin, "PORT", port)
			if origin != "" {
				h.Set("Origin", origin)
			}
			ws, resp, err := dialer.Dial("ws"+strings.TrimPrefix(hs.URL, "http")+"/ws", h)
			if tc.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				ws.Close()
				return
			}
			if err == nil {
				ws.Close()
				t.Fatal("accepted")
			}
			if resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Fatalf("%v, want HTTP 403", err)
			}
			body, _ := io.ReadAll(resp.Body)
			if want := "origin " + origin + " not allowed: add --allow-origin " + origin; !strings.Contains(string(body), want) {
				t.Fatalf("body %q lacks %q", body, want)
			}
		})
	}
}

func TestOriginOf(t *testing.T) {
	for in, want := range map[string]string{
		"http://Localhost:8080":       "http://localhost:8080",
		"https://signal.example/ws":   "https://signal.example:443",
		"ws://[::1]:9000/":            "http://[::1]:9000",
		"wss://signal.example":        "https://signal.example:443",
		"http://signal.example:80/x":  "http://signal.example:80",
		"ftp://signal.example":        "",
		"signal.example:8080":         "",
		"https://":                    "",
		"https://user@signal.example": "",
	} {
		got, err := OriginOf(in)
		if got != want || (err != nil) != (want == "") {
			t.Errorf("OriginOf(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
