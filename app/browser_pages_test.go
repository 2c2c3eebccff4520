package app

import (
	"encoding/binary"
	"fmt"
	"net"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/signal"
)

// Two pages in mode both call each other through the server and each shows
// the other's camera; one leaves and rejoins, and they see each other again.
// The server hands out a STUN server in welcome.iceServers, and the
// browsers use it.
func TestBrowserToBrowser(t *testing.T) {
	for _, tc := range []struct {
		name string
		tls  bool
	}{{"ws", false}, {"wss", true}} {
		t.Run(tc.name, func(t *testing.T) { pageToPage(t, tc.tls) })
	}
}

func pageToPage(t *testing.T, withTLS bool) {
	ctx := testContext(t, 45*time.Second)
	stun := listenSTUN(t)
	ice := []signal.ICEServer{{URLs: []string{"stun:" + stun.addr}}}
	srv := startPageServer(t, signal.ServerConfig{ICEServers: ice}, withTLS)
	b := newBrowser(t, ctx, withTLS)
	link := func(name string) string {
		return srv.pageURL(map[string]string{"room": "duo", "name": name, "mode": "both", "autostart": "1"})
	}

	alice := b.open(t, "alice", link("alice"))
	s := alice.waitFor("alice to join", 10*time.Second, func(s pageState) bool { return s.State == "joined" })
	if len(s.ICEServers) != 1 || !slices.Equal(s.ICEServers[0].URLs, ice[0].URLs) {
		alice.fatalf("welcome.iceServers reached the page as %+v, want %+v", s.ICEServers, ice)
	}
	bob := b.open(t, "bob", link("bob"))
	// Bob joined later: by the who-offers rule he offers.
	seeEachOther(t, alice, bob, 1, false)
	seeEachOther(t, bob, alice, 1, true)
	c := bob.snapshot().peer("alice")
	if len(c.ICEServers) == 0 || fmt.Sprint(c.ICEServers[0].URLs) != fmt.Sprint(ice[0].URLs) {
		bob.fatalf("the call's RTCPeerConnection has iceServers %+v, want %+v", c.ICEServers, ice)
	}
	if n := stun.requests.Load(); n == 0 {
		bob.fatalf("no STUN binding request reached the welcome's STUN server %s", stun.addr)
	}
	t.Logf("%d STUN binding requests from the browsers", stun.requests.Load())

	// Alice's signaling connection drops: she reconnects and resumes her
	// session, and the call goes on untouched.
	alice.call(`webrtcCli.dropSignaling()`)
	alice.waitFor("alice to resume her session", 10*time.Second, func(s pageState) bool { return s.State == "joined" && s.Resumed })
	for _, pair := range [][2]*page{{alice, bob}, {bob, alice}} {
		c := pair[0].snapshot().peer(pair[1].name)
		if c == nil || c.Ended || c.Generation != 1 || c.Connection != "connected" {
			pair[0].fatalf("after the resume, %s's call with %s is %s", pair[0].name, pair[1].name, pair[0].snapshot().describePeers())
		}
	}

	// Alice leaves: Bob's call ends with her bye. She rejoins and, now the
	// later one, offers.
	alice.call(`webrtcCli.leave()`)
	bob.waitFor("alice's bye", 10*time.Second, func(s pageState) bool {
		c := s.peer("alice")
		return c != nil && c.Ended && c.EndReason == "bye"
	})
	alice.call(`webrtcCli.join({room: 'duo', name: 'alice', mode: 'both'})`)
	seeEachOther(t, bob, alice, 2, false)
	seeEachOther(t, alice, bob, 2, true)
}

// seeEachOther waits until viewer shows a call with other's name (its
// gen-th call on viewer's side) connected, with video decoded and a frame
// that is not blank.
func seeEachOther(t *testing.T, viewer, other *page, gen int, offerer bool) {
	t.Helper()
	s := viewer.waitFor(other.name+"'s video on "+viewer.name+"'s page", 15*time.Second, func(s pageState) bool {
		c := s.peer(other.name)
		return c != nil && c.Generation >= gen && c.Connection == "connected" &&
			c.in("video").FramesDecoded >= 20 && c.in("audio").TotalSamplesReceived > 0 && c.Pixels.Max >= minVariance
	})
	c := s.peer(other.name)
	v, ov := c.in("video"), c.out("video")
	t.Logf("%s sees %s (call %d, offerer %v): %s %vx%v %v fps, %v decoded, %.0f kb/s, loss %.3f; sends %s %vx%v; variance %.0f; via %+v",
		viewer.name, other.name, c.Generation, c.Offerer, v.Codec, v.Width, v.Height, v.FPS, v.FramesDecoded, v.Bitrate/1000, v.Loss,
		ov.Codec, ov.Width, ov.Height, c.Pixels.Max, c.Stats.Pair)
	// And the frame showing now, measured on demand.
	raw, err := viewer.eval(fmt.Sprintf("webrtcCli.frameVariance(%q)", other.name))
	var now float64
	if err == nil {
		_, err = fmt.Sscan(raw, &now)
	}
	if err != nil || now < minVariance {
		viewer.fatalf("%s's video on %s's page: frame variance now %s (%v)", other.name, viewer.name, raw, err)
	}
	if c.Offerer != offerer {
		viewer.fatalf("%s offered=%v to %s, want %v by the who-offers rule", viewer.name, c.Offerer, other.name, offerer)
	}
}

// stunServer counts the STUN binding requests that reach it; it answers
// none (the browsers then have host candidates only, which loopback needs).
type stunServer struct {
	addr     string
	requests atomic.Int64
}

func listenSTUN(t *testing.T) *stunServer {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &stunServer{addr: conn.LocalAddr().String()}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			n, _, err := conn.ReadFrom(buf)
			if err != nil {
				return
			}
			// A binding request: type 0x0001 and the magic cookie (RFC 5389).
			if n >= 20 && binary.BigEndian.Uint16(buf[0:2]) == 0x0001 && binary.BigEndian.Uint32(buf[4:8]) == 0x2112A442 {
				s.requests.Add(1)
			}
		}
	}()
	t.Cleanup(func() {
		conn.Close()
		<-done
	})
	return s
}
