package icecheck

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/signal"
	"github.com/webrtc-cli/webrtc-cli/signal/turnserver"
)

// ice-check against the TURN server inside serve, with the credentials a
// welcome carries: it allocates over UDP and TCP; a wrong password says
// 401.
func TestICECheckServeTURN(t *testing.T) {
	secret := []byte("serve-secret")
	ts, err := turnserver.Start(turnserver.Config{Addr: "127.0.0.1:0", Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	auth := &signal.TURNAuth{Secret: secret, Port: ts.Port()}
	good := auth.ICEServer("127.0.0.1", "peer", time.Now())
	bad := good
	bad.Credential = signal.TURNPassword([]byte("another secret"), good.Username)
	bad.URLs = []string{"turn:127.0.0.1:" + strconv.Itoa(ts.Port()) + "?transport=udp"}
	res := Check(context.Background(), Config{Servers: []signal.ICEServer{good, bad}, Timeout: 3 * time.Second})
	if len(res.Servers) != 3 {
		t.Fatalf("%d results, want 3 (udp, tcp, and the wrong password): %+v", len(res.Servers), res.Servers)
	}
	for _, s := range res.Servers[:2] {
		if !s.OK || s.Relay == "" || s.Srflx == "" {
			t.Errorf("%s: %+v, want a relay and a server-reflexive address", s.URL, s)
		}
	}
	if s := res.Servers[2]; s.OK || s.Code != 401 {
		t.Errorf("wrong password: %+v, want a 401", s)
	}
	if res.OK() {
		t.Error("the result is OK with a failing server")
	}
}
