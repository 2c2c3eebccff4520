package app

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/signal"
)

// serveHTTP runs s on a loopback HTTP server until the test ends.
func serveHTTP(t testing.TB, s *signal.Server) *httptest.Server {
	t.Helper()
	hs := httptest.NewServer(s)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Close(ctx)
		hs.Close()
	})
	return hs
}

// wsURL is the signaling URL of a test server's http URL.
func wsURL(httpURL string) string { return "ws" + strings.TrimPrefix(httpURL, "http") + "/ws" }

func serveForBench(b *testing.B, s *signal.Server) string { return wsURL(serveHTTP(b, s).URL) }
