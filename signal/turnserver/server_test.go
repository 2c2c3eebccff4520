package turnserver

import (
	"bytes"
	"crypto/tls"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/stun/v4"
	"github.com/pion/turn/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/webrtc-cli/webrtc-cli/signal"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var secret = []byte("s3cret")

func start(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Secret == nil {
		cfg.Secret = secret
	}
	cfg.Registerer = prometheus.NewRegistry()
	s, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func creds(id string, ttl time.Duration) (string, string) {
	return signal.TURNCredentials(secret, id, time.Now().Add(ttl))
}

// client is a pion TURN client of s over UDP.
func client(t *testing.T, s *Server, user, pass string) *turn.Client {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(s.Port())
	c, err := turn.NewClient(&turn.ClientConfig{STUNServerAddr: addr, TURNServerAddr: addr, Conn: conn,
		Username: user, Password: pass, RTO: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); conn.Close() })
	return c
}

func refused(s *Server, reason string) float64 { return testutil.ToFloat64(s.m.refused[reason]) }

func TestCredentials(t *testing.T) {
	s := start(t, Config{})
	good, goodPass := creds("alice", time.Hour)
	expired, expiredPass := creds("bob", -time.Minute)
	forged, _ := creds("mallory", time.Hour)
	tests := []struct {
		name, user, pass, reason string
	}{
		{"valid", good, goodPass, ""},
		{"expired", expired, expiredPass, reasonExpired},
		{"wrong secret", forged, signal.TURNPassword([]byte("other"), forged), reasonCredentials},
		{"not EXPIRY:ID", "alice", "pass", reasonMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := 0.0
			if tt.reason != "" {
				before = refused(s, tt.reason)
			}
			relay, err := client(t, s, tt.user, tt.pass).Allocate()
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("allocate: %v", err)
				}
				relay.Close()
				return
			}
			if err == nil {
				relay.Close()
				t.Fatal("allocated with refused credentials")
			}
			if !strings.Contains(err.Error(), "401") {
				t.Errorf("error %v, want a 401", err)
			}
			if got := refused(s, tt.reason); got <= before {
				t.Errorf("refused{reason=%q} = %v, want > %v", tt.reason, got, before)
			}
		})
	}
}

// Credentials good for another realm are refused: the client computes
// its key with the realm it names.
func TestWrongRealm(t *testing.T) {
	s := start(t, Config{Realm: "here"})
	user, pass := creds("alice", time.Hour)
	conn, err := net.Dial("udp4", "127.0.0.1:"+strconv.Itoa(s.Port()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	allocate := func(setters ...stun.Setter) *stun.Message {
		base := []stun.Setter{stun.TransactionID, stun.NewType(stun.MethodAllocate, stun.ClassRequest),
			turnTransportUDP{}}
		m := stun.MustBuild(append(base, setters...)...)
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := conn.Write(m.Raw); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1500)
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		res := &stun.Message{Raw: append([]byte(nil), buf[:n]...)}
		if err := res.Decode(); err != nil {
			t.Fatal(err)
		}
		return res
	}
	var nonce stun.Nonce
	if err := nonce.GetFrom(allocate()); err != nil {
		t.Fatal(err)
	}
	res := allocate(stun.NewUsername(user), stun.NewRealm("elsewhere"), nonce,
		stun.NewLongTermIntegrity(user, "elsewhere", pass), stun.Fingerprint)
	var code stun.ErrorCodeAttribute
	if err := code.GetFrom(res); err != nil || code.Code != stun.CodeUnauthorized {
		t.Fatalf("answer %v (%v), want 401", res, err)
	}
	if refused(s, reasonRealm) != 1 {
		t.Errorf("refused{reason=realm} = %v, want 1", refused(s, reasonRealm))
	}
}

// turnTransportUDP is REQUESTED-TRANSPORT: UDP.
type turnTransportUDP struct{}

func (turnTransportUDP) AddTo(m *stun.Message) error {
	m.Add(stun.AttrRequestedTransport, []byte{17, 0, 0, 0})
	return nil
}

// Relays reach other relays, but not the services on the relay address
// itself, even on a port in the relay range.
func TestRelayGuard(t *testing.T) {
	s := start(t, Config{RelayMin: 1024, RelayMax: 65535})
	user, pass := creds("alice", time.Hour)
	a, err := client(t, s, user, pass).Allocate()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := client(t, s, user, pass).Allocate()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	// Relay to relay: delivered once b has a permission for a.
	if _, err := b.WriteTo([]byte("x"), a.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if got := deliver(t, a, b, "hello"); got != "hello" {
		t.Fatalf("relay to relay: got %q", got)
	}

	// A service on the relay address, outside the relay ports: dropped.
	svc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	before := refused(s, reasonPeerAddress)
	waitFor(t, "refused{reason=peer_address} to grow", func() bool {
		if _, err := a.WriteTo([]byte("intrusion"), svc.LocalAddr()); err != nil {
			t.Logf("relaying to the service: %v", err)
		}
		return refused(s, reasonPeerAddress) > before
	})
	svc.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, _, err := svc.ReadFrom(make([]byte, 100)); err == nil {
		t.Fatalf("a service beside the relay got %d bytes", n)
	}
}

// A relay announced on another address than loopback may not reach
// loopback at all: the permission is refused (403).
func TestRelayRefusesLoopback(t *testing.T) {
	s := start(t, Config{PublicIP: net.ParseIP("192.0.2.1")})
	user, pass := creds("alice", time.Hour)
	c := client(t, s, user, pass)
	relay, err := c.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	err = c.CreatePermission(&net.UDPAddr{IP: net.ParseIP("127.0.0.1"), Port: 9})
	if err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("permission to 127.0.0.1: %v, want 403", err)
	}
	if refused(s, reasonPeerAddress) != 1 {
		t.Errorf("refused{reason=peer_address} = %v, want 1", refused(s, reasonPeerAddress))
	}
	// Nor this machine's other addresses.
	for _, ip := range localIPs() {
		if ip.To4() == nil || ip.IsLoopback() { // the relay is IPv4
			continue
		}
		if err := c.CreatePermission(&net.UDPAddr{IP: ip, Port: 9}); err == nil || !strings.Contains(err.Error(), "403") {
			t.Errorf("permission to this machine's %v: %v, want 403", ip, err)
		}
	}

	// With AllowPrivate, loopback is a peer like any other.
	open := start(t, Config{PublicIP: net.ParseIP("192.0.2.1"), AllowPrivate: true})
	c = client(t, open, user, pass)
	relay2, err := c.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	defer relay2.Close()
	if err := c.CreatePermission(&net.UDPAddr{IP: net.ParseIP("127.0.0.1"), Port: 9}); err != nil {
		t.Fatalf("permission with AllowPrivate: %v", err)
	}
}

func TestQuotas(t *testing.T) {
	s := start(t, Config{MaxPerUser: 2, MaxAllocations: 3})
	user, pass := creds("alice", time.Hour)
	var relays []net.PacketConn
	defer func() {
		for _, r := range relays {
			r.Close()
		}
	}()
	for i := range 3 {
		r, err := client(t, s, user, pass).Allocate()
		if i < 2 {
			if err != nil {
				t.Fatalf("allocation %d: %v", i+1, err)
			}
			relays = append(relays, r)
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "486") {
			t.Fatalf("third allocation of one credential: %v, want 486", err)
		}
	}
	other, otherPass := creds("bob", time.Hour)
	r, err := client(t, s, other, otherPass).Allocate()
	if err != nil {
		t.Fatal(err)
	}
	relays = append(relays, r)
	if _, err := client(t, s, "9999999999:carol", signal.TURNPassword(secret, "9999999999:carol")).Allocate(); err == nil || !strings.Contains(err.Error(), "486") {
		t.Fatalf("fourth allocation in total: %v, want 486", err)
	}
	if refused(s, reasonQuotaUser) != 1 || refused(s, reasonQuotaTotal) != 1 {
		t.Errorf("refused quota_user %v, quota_total %v; want 1 and 1", refused(s, reasonQuotaUser), refused(s, reasonQuotaTotal))
	}
	// A relay closed frees its place.
	relays[0].Close()
	waitFor(t, "a freed allocation", func() bool { return testutil.ToFloat64(s.m.allocations) == 2 })
	r, err = client(t, s, user, pass).Allocate()
	if err != nil {
		t.Fatalf("after a relay closed: %v", err)
	}
	relays = append(relays, r)
}

// What a relay carries beyond its bandwidth is dropped, and what it
// carries is counted.
func TestBandwidthAndCounters(t *testing.T) {
	const bw = 80_000 // bits/s: 10 kB a second, 10 kB of burst
	s := start(t, Config{Bandwidth: bw})
	user, pass := creds("alice", time.Hour)
	a, err := client(t, s, user, pass).Allocate()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := client(t, s, user, pass).Allocate()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.WriteTo([]byte("x"), a.LocalAddr()) // b's permission for a
	payload := bytes.Repeat([]byte{7}, 1000)
	for range 100 { // 100 kB at once
		if _, err := a.WriteTo(payload, b.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "drops over the bandwidth", func() bool { return testutil.ToFloat64(s.m.dropped) > 0 })
	got := 0
	for {
		b.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		n, _, err := b.ReadFrom(make([]byte, 1500))
		if err != nil {
			break
		}
		got += n
	}
	if got == 0 || got > 25_000 {
		t.Errorf("received %d bytes of 100 kB through a 10 kB/s relay, want some and at most ~2 s worth", got)
	}
	if toPeer := testutil.ToFloat64(s.m.toPeer.bytes); toPeer < float64(got) {
		t.Errorf("relayed_bytes_total{to_peer} = %v, want at least the %d received", toPeer, got)
	}
	if p := testutil.ToFloat64(s.m.toClient.packets); p < 1 {
		t.Errorf("relayed_packets_total{to_client} = %v", p)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []Config{
		{Addr: "127.0.0.1:0"},
		{Addr: "127.0.0.1:0", Secret: secret, RelayMin: 5000, RelayMax: 4000},
		{Addr: "127.0.0.1:0", Secret: secret, TLSAddr: "127.0.0.1:0"},
	} {
		if s, err := Start(cfg); err == nil {
			s.Close()
			t.Errorf("Start(%+v) worked", cfg)
		}
	}
	for _, bad := range []string{"", "1", "5-3", "0-10", "10-70000", "a-b"} {
		if _, _, err := ParsePortRange(bad); err == nil {
			t.Errorf("ParsePortRange(%q) worked", bad)
		}
	}
}

// deliver sends msg from one relay to another until it arrives (the first
// may beat the receiver's permission), at most 5 s, and returns what came.
func deliver(t *testing.T, from, to net.PacketConn, msg string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	buf := make([]byte, 1500)
	for time.Now().Before(deadline) {
		if _, err := from.WriteTo([]byte(msg), to.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		to.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if n, _, err := to.ReadFrom(buf); err == nil {
			return string(buf[:n])
		}
	}
	t.Fatalf("nothing from %v reached %v within 5s", from.LocalAddr(), to.LocalAddr())
	return ""
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within 5s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TURN over TCP and over TLS allocate like UDP.
func TestStreamTransports(t *testing.T) {
	cert, _, err := signal.SelfSigned([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	s := start(t, Config{TLSAddr: "127.0.0.1:0", TLS: &tls.Config{Certificates: []tls.Certificate{cert}}})
	user, pass := creds("alice", time.Hour)
	for name, dial := range map[string]func() (net.Conn, error){
		"tcp": func() (net.Conn, error) { return net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(s.Port())) },
		"tls": func() (net.Conn, error) {
			return tls.Dial("tcp", s.TLSAddr(), &tls.Config{InsecureSkipVerify: true})
		},
	} {
		t.Run(name, func(t *testing.T) {
			conn, err := dial()
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			c, err := turn.NewClient(&turn.ClientConfig{STUNServerAddr: conn.RemoteAddr().String(), TURNServerAddr: conn.RemoteAddr().String(),
				Conn: turn.NewSTUNConn(conn), Username: user, Password: pass})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.Listen(); err != nil {
				t.Fatal(err)
			}
			relay, err := c.Allocate()
			if err != nil {
				t.Fatalf("allocate over %s: %v", name, err)
			}
			defer relay.Close()
			if ip := relay.LocalAddr().(*net.UDPAddr).IP; !ip.Equal(s.RelayIP()) {
				t.Errorf("relay at %v, want the relay address %v", ip, s.RelayIP())
			}
		})
	}
}
