package app

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/pion/turn/v5"
	"github.com/webrtc-cli/webrtc-cli/peer"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// startTURN runs a TURN server on loopback with user u, password p, and
// returns its turn: URL.
func startTURN(t *testing.T) string {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	const realm = "webrtc-cli.test"
	key := turn.GenerateAuthKey("u", realm, "p")
	srv, err := turn.NewServer(turn.ServerConfig{
		Realm: realm,
		AuthHandler: func(ra *turn.RequestAttributes) (string, []byte, bool) {
			return ra.Username, key, ra.Username == "u"
		},
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn:            conn,
			RelayAddressGenerator: &turn.RelayAddressGeneratorStatic{RelayAddress: net.ParseIP("127.0.0.1"), Address: "127.0.0.1"},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return "turn:" + conn.LocalAddr().String() + "?transport=udp"
}

// A WHIP client that can only connect through a relay (--relay-only) and
// was given no TURN server uses the one the endpoint announces in its
// Link header, by an ICE restart: the recording is still exact.
func TestWHIPClientUsesAnnouncedTURN(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	w, urls := listening()
	w.ICEServers = []signal.ICEServer{{URLs: []string{startTURN(t)}, Username: "u", Credential: "p"}}
	rep := receiveAsync(ctx, ReceiveConfig{WHIP: w, Out: t.TempDir(), Count: 1, Logger: testLogger(t)})
	url := within(t, urls, "the WHIP endpoint")
	src := testdata("vp8.ivf")
	if _, err := Send(ctx, SendConfig{WHIP: &WHIPConfig{URL: url + "/relayed"}, Files: []string{src},
		Net: peer.NetOptions{RelayOnly: true}, Logger: testLogger(t)}); err != nil {
		t.Fatal(err)
	}
	sameFrames(t, src, findFile(t, rep.wait(t), "relayed", "video"))
}
