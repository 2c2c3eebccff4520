package turnserver

import (
	"errors"
	"net"
	"sync"
	"time"

	"github.com/pion/turn/v5"
	"golang.org/x/time/rate"
)

// guard decides what relays may do: how many there are, per credential
// and in total, where they may send, and how fast. It wraps pion's
// relay generator so that every relay socket passes through it.
type guard struct {
	cfg   Config
	inner turn.RelayAddressGenerator
	m     *metrics
	own   map[string]bool // this machine's addresses, relay address aside

	mu     sync.Mutex
	total  int
	byUser map[string]int
	idle   chan struct{} // closed when total drops to zero while closing

	relays sync.Map // port → struct{}: the relays open, on the relay address
}

func newGuard(cfg Config, m *metrics) *guard {
	g := &guard{cfg: cfg, m: m, own: map[string]bool{}, byUser: map[string]int{}}
	for _, ip := range localIPs() {
		g.own[ip.String()] = true
	}
	bind := bindAddr(cfg.Addr, g.own[cfg.PublicIP.String()], cfg.PublicIP)
	delete(g.own, cfg.PublicIP.String())
	g.inner = &turn.RelayAddressGeneratorPortRange{
		RelayAddress: cfg.PublicIP, Address: bind,
		MinPort: uint16(cfg.RelayMin), MaxPort: uint16(cfg.RelayMax),
	}
	return g
}

// bindAddr is where relay sockets listen: Addr's host when it is an IP,
// else the relay address when it is this machine's (what relays send
// must come from the address they are announced at, or a multi-homed
// server's peers see another), else every address (a public address in
// front of this machine, by 1:1 NAT).
func bindAddr(addr string, relayIsLocal bool, relay net.IP) string {
	host, _, _ := net.SplitHostPort(addr)
	switch ip := net.ParseIP(host); {
	case ip != nil:
		return host
	case relayIsLocal:
		return relay.String()
	}
	return "0.0.0.0"
}

var errQuota = errors.New("allocation quota reached")

// quota is pion's QuotaHandler: false answers 486.
func (g *guard) quota(user, _ string, _ net.Addr) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.total >= g.cfg.MaxAllocations:
		g.m.refuse(reasonQuotaTotal)
		return false
	case g.byUser[user] >= g.cfg.MaxPerUser:
		g.m.refuse(reasonQuotaUser)
		return false
	}
	return true
}

// permit is pion's PermissionHandler: false answers 403.
func (g *guard) permit(_ net.Addr, ip net.IP) bool {
	if g.cfg.AllowPrivate || ip.Equal(g.cfg.PublicIP) {
		return true // relays reach other relays; the port is checked per packet
	}
	if ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified() ||
		ip.IsMulticast() || ip.Equal(net.IPv4bcast) || g.own[ip.String()] {
		g.m.refuse(reasonPeerAddress)
		return false
	}
	return true
}

// sendable reports whether a relay may send to addr: on the relay address
// only to the other relays open, never to the services beside them (whose
// ports may fall in the relay range too).
func (g *guard) sendable(addr net.Addr) bool {
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return false
	}
	if g.cfg.AllowPrivate || !ua.IP.Equal(g.cfg.PublicIP) {
		return true
	}
	_, relay := g.relays.Load(ua.Port)
	return relay
}

func (g *guard) Validate() error { return g.inner.Validate() }

func (g *guard) AllocatePacketConn(c turn.AllocateListenerConfig) (net.PacketConn, net.Addr, error) {
	g.mu.Lock()
	if g.total >= g.cfg.MaxAllocations || g.byUser[c.UserID] >= g.cfg.MaxPerUser {
		g.mu.Unlock()
		return nil, nil, errQuota // two at once past the quota handler
	}
	g.total++
	g.byUser[c.UserID]++
	g.mu.Unlock()
	pc, addr, err := g.inner.AllocatePacketConn(c)
	if err != nil {
		g.release(c.UserID)
		return nil, nil, err
	}
	g.m.allocations.Inc()
	port := addr.(*net.UDPAddr).Port
	g.relays.Store(port, struct{}{})
	return &relayConn{PacketConn: pc, g: g, user: c.UserID, port: port, in: g.limiter(), out: g.limiter()}, addr, nil
}

// TCP relays (RFC 6062) are not offered: WebRTC does not use them.
func (g *guard) AllocateListener(turn.AllocateListenerConfig) (net.Listener, net.Addr, error) {
	return nil, nil, errors.New("TCP relays are not offered")
}

func (g *guard) AllocateConn(turn.AllocateConnConfig) (net.Conn, error) {
	return nil, errors.New("TCP relays are not offered")
}

func (g *guard) release(user string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.total--
	if g.byUser[user]--; g.byUser[user] <= 0 {
		delete(g.byUser, user)
	}
	if g.total == 0 && g.idle != nil {
		close(g.idle)
		g.idle = nil
	}
}

// drained is closed once no relay is left.
func (g *guard) drained() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	ch := make(chan struct{})
	if g.total == 0 {
		close(ch)
	} else {
		g.idle = ch
	}
	return ch
}

func (g *guard) limiter() *rate.Limiter {
	if g.cfg.Bandwidth < 0 {
		return nil
	}
	bytes := float64(g.cfg.Bandwidth) / 8
	// A second's worth of burst: a keyframe goes through whole.
	return rate.NewLimiter(rate.Limit(bytes), int(bytes))
}

// relayConn is one relay socket: what crosses it is counted, limited and
// checked against where it may go.
type relayConn struct {
	net.PacketConn
	g       *guard
	user    string
	port    int
	in, out *rate.Limiter // towards the client, towards the peer
	once    sync.Once
}

// WriteTo sends what the client relays to a peer. A packet refused is
// dropped, as a network would: an error would end the allocation.
func (r *relayConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	if !r.g.sendable(addr) {
		r.g.m.refuse(reasonPeerAddress)
		return len(p), nil
	}
	if r.out != nil && !r.out.AllowN(time.Now(), len(p)) {
		r.g.m.dropped.Inc()
		return len(p), nil
	}
	n, err := r.PacketConn.WriteTo(p, addr)
	if err == nil {
		r.g.m.toPeer.add(n)
	}
	return n, err
}

// ReadFrom reads what a peer sends to the client, past what is over the
// limit.
func (r *relayConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, addr, err := r.PacketConn.ReadFrom(p)
		if err != nil {
			return n, addr, err
		}
		if r.in != nil && !r.in.AllowN(time.Now(), n) {
			r.g.m.dropped.Inc()
			continue
		}
		r.g.m.toClient.add(n)
		return n, addr, nil
	}
}

func (r *relayConn) Close() error {
	err := r.PacketConn.Close()
	r.once.Do(func() {
		r.g.relays.Delete(r.port)
		r.g.m.allocations.Dec()
		r.g.release(r.user)
	})
	return err
}
