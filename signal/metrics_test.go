package signal

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func testutilValue(s *Server) float64 { return testutil.ToFloat64(s.metrics.slowDrops) }

func TestHealthAndMetrics(t *testing.T) {
	_, url := testServer(t, ServerConfig{})
	a, b := dialRaw(t, url), dialRaw(t, url)
	a.join("m", RoleSender)
	wb := b.join("m", RoleReceiver)
	a.expect(TypePeerJoined)
	a.send(obj{"type": "offer", "to": idOf(wb), "sdp": "x"})
	b.expect(TypeOffer)
	a.sendText("nope")
	a.expectError(CodeBadJSON)

	base := "http" + strings.TrimSuffix(strings.TrimPrefix(url, "ws"), "/ws")
	get := func(path string) string {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
		return string(body)
	}
	if got := get("/healthz"); strings.TrimSpace(got) != "ok" {
		t.Fatalf("/healthz = %q", got)
	}
	m := get("/metrics")
	for _, want := range []string{
		"webrtc_cli_connections 2",
		"webrtc_cli_rooms 1",
		`webrtc_cli_messages_relayed_total{type="offer"} 1`,
		`webrtc_cli_errors_total{code="bad-json"} 1`,
		"webrtc_cli_resumes_total 0",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestEmbeddedPage(t *testing.T) {
	_, url := testServer(t, ServerConfig{Page: Page()})
	base := "http" + strings.TrimSuffix(strings.TrimPrefix(url, "ws"), "/ws")
	for path, want := range map[string]string{"/": "<script", "/app.js": "import", "/style.css": "{"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Fatalf("GET %s: %s, %d bytes", path, resp.Status, len(body))
		}
	}
	// An upgrade on / is the WebSocket, not the page.
	c := dialRaw(t, strings.TrimSuffix(url, "/ws")+"/")
	c.barrier()
}

// /metrics is on the main address, or only on MetricsListener when there
// is one.
func TestMetricsListener(t *testing.T) {
	for _, separate := range []bool{false, true} {
		t.Run(fmt.Sprint("separate=", separate), func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			cfg := ServerConfig{}
			if separate {
				if cfg.MetricsListener, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithCancel(context.Background())
			errc := make(chan error, 1)
			go func() { errc <- NewServer(cfg).Serve(ctx, ln) }()
			client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: wait}
			status := func(l net.Listener, path string) (int, string) {
				resp, err := client.Get("http://" + l.Addr().String() + path)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(body)
			}
			mainCode, _ := status(ln, "/metrics")
			where := ln
			if separate {
				where = cfg.MetricsListener
				if mainCode != http.StatusNotFound {
					t.Errorf("main address: /metrics is HTTP %d, want 404", mainCode)
				}
				if code, _ := status(where, "/healthz"); code != http.StatusNotFound {
					t.Errorf("metrics address: /healthz is HTTP %d, want 404", code)
				}
			}
			if code, body := status(where, "/metrics"); code != http.StatusOK || !strings.Contains(body, "webrtc_cli_connections 0") {
				t.Errorf("/metrics: HTTP %d, %d bytes", code, len(body))
			}
			cancel()
			if err := <-errc; err != nil {
				t.Fatalf("Serve: %v", err)
			}
		})
	}
}
