package app

import (
	"strings"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/signal"
	"github.com/webrtc-cli/webrtc-cli/signal/turnserver"
)

// The page, told to take relays only (iceTransportPolicy "relay"),
// watches a send through the TURN server beside serve, with the
// credentials its welcome carried.
func TestSendToBrowserThroughTURN(t *testing.T) {
	ctx := testContext(t, 60*time.Second)
	secret := []byte("browser-turn")
	ts, err := turnserver.Start(turnserver.Config{Addr: "127.0.0.1:0", Secret: secret, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	srv := startPageServer(t, signal.ServerConfig{TURN: &signal.TURNAuth{Secret: secret, Port: ts.Port()}}, false)
	b := newBrowser(t, ctx, false)
	c := watchFile(t, ctx, srv, b, "VP8", testdata("vp8.ivf"), testdata("opus-stereo.ogg"), map[string]string{"relay": "1"})
	if c.Stats == nil || c.Stats.Pair == nil {
		t.Fatal("the page said nothing of its candidate pair")
	}
	t.Logf("the page's route: %s → %s", c.Stats.Pair.Local, c.Stats.Pair.Remote)
	if !strings.HasSuffix(c.Stats.Pair.Local, " relay") {
		t.Errorf("the page's local candidate %q is not a relay", c.Stats.Pair.Local)
	}
}
