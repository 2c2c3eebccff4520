package turnserver

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/pion/turn/v5"
	"github.com/webrtc-cli/webrtc-cli/internal/pionlog"
)

// listenBuffer is the socket buffer asked for the shared UDP socket.
const listenBuffer = 4 << 20

// Server is a running STUN/TURN server.
type Server struct {
	cfg   Config
	m     *metrics
	g     *guard
	turn  *turn.Server
	udp   net.PacketConn
	tcp   net.Listener
	tls   net.Listener // nil without TLSAddr
	relay net.IP
}

// Start listens on cfg.Addr (UDP and TCP) and cfg.TLSAddr and serves.
func Start(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, m: newMetrics(cfg.Registerer), relay: cfg.PublicIP}
	s.g = newGuard(cfg, s.m)
	if err := s.listen(); err != nil {
		s.closeListeners()
		return nil, err
	}
	ts, err := turn.NewServer(s.pionConfig())
	if err != nil {
		s.closeListeners()
		return nil, err
	}
	s.turn = ts
	cfg.Logger.Info("TURN server listening", "udp", s.udp.LocalAddr().String(), "tcp", s.tcp.Addr().String(),
		"tls", s.TLSAddr(), "relay_ip", s.relay.String(), "relay_ports", fmt.Sprintf("%d-%d", cfg.RelayMin, cfg.RelayMax),
		"realm", cfg.Realm)
	return s, nil
}

func (s *Server) listen() error {
	var err error
	if s.udp, err = net.ListenPacket("udp", s.cfg.Addr); err != nil {
		return fmt.Errorf("TURN: %w", err)
	}
	// Every client's packets queue on this one socket for one reader: a
	// pause of a few milliseconds at 100 Mbit/s is more than the default
	// buffer (the kernel caps this at net.core.rmem_max).
	if uc, ok := s.udp.(*net.UDPConn); ok {
		uc.SetReadBuffer(listenBuffer)
		uc.SetWriteBuffer(listenBuffer)
	}
	// TCP on the port UDP got, so that ":0" gives one port for both.
	tcpAddr := net.JoinHostPort(hostOf(s.cfg.Addr), fmt.Sprint(s.udp.LocalAddr().(*net.UDPAddr).Port))
	if s.tcp, err = net.Listen("tcp", tcpAddr); err != nil {
		return fmt.Errorf("TURN over TCP: %w", err)
	}
	if s.cfg.TLSAddr != "" {
		if s.tls, err = tls.Listen("tcp", s.cfg.TLSAddr, s.cfg.TLS); err != nil {
			return fmt.Errorf("TURN over TLS: %w", err)
		}
	}
	return nil
}

func hostOf(addr string) string {
	h, _, _ := net.SplitHostPort(addr)
	return h
}

func (s *Server) pionConfig() turn.ServerConfig {
	c := turn.ServerConfig{
		Realm:         s.cfg.Realm,
		AuthHandler:   s.authenticate,
		QuotaHandler:  s.g.quota,
		LoggerFactory: pionlog.New(s.cfg.Logger),
		EventHandler: turn.EventHandler{
			OnAuth:              s.onAuth,
			OnPermissionCreated: func(_, _ net.Addr, _, _, _ string, _ net.Addr, _ net.IP) { s.m.permissions.Inc() },
			OnPermissionDeleted: func(_, _ net.Addr, _, _, _ string, _ net.Addr, _ net.IP) { s.m.permissions.Dec() },
		},
		PacketConnConfigs: []turn.PacketConnConfig{{PacketConn: s.udp, RelayAddressGenerator: s.g, PermissionHandler: s.g.permit}},
		ListenerConfigs:   []turn.ListenerConfig{{Listener: s.tcp, RelayAddressGenerator: s.g, PermissionHandler: s.g.permit}},
	}
	if s.tls != nil {
		c.ListenerConfigs = append(c.ListenerConfigs, turn.ListenerConfig{Listener: s.tls, RelayAddressGenerator: s.g, PermissionHandler: s.g.permit})
	}
	return c
}

// Port is the UDP and TCP port.
func (s *Server) Port() int { return s.udp.LocalAddr().(*net.UDPAddr).Port }

// TLSPort is the TURN-over-TLS port, 0 for none.
func (s *Server) TLSPort() int {
	if s.tls == nil {
		return 0
	}
	return s.tls.Addr().(*net.TCPAddr).Port
}

// TLSAddr is the TURN-over-TLS address, "" for none.
func (s *Server) TLSAddr() string {
	if s.tls == nil {
		return ""
	}
	return s.tls.Addr().String()
}

// RelayIP is the address relays are announced at.
func (s *Server) RelayIP() net.IP { return s.relay }

// Allocations is the number of relays open.
func (s *Server) Allocations() int { return s.turn.AllocationCount() }

// Close stops listening and closes every relay, waiting up to a second
// for them to be gone.
func (s *Server) Close() error {
	err := s.turn.Close()
	select {
	case <-s.g.drained():
	case <-time.After(time.Second):
	}
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

func (s *Server) closeListeners() {
	for _, c := range []interface{ Close() error }{s.udp, s.tcp, s.tls} {
		if c != nil {
			c.Close()
		}
	}
}
