package app

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/webrtc-cli/webrtc-cli/signal"
)

func serveForBench(b *testing.B, s *signal.Server) string {
	hs := httptest.NewServer(s)
	b.Cleanup(func() {
		s.Close(context.Background())
		hs.Close()
	})
	return "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws"
}
