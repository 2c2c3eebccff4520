package icecheck

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
)

// Mappings of NAT.Mapping (RFC 4787 §4.1).
const (
	// MappingNoNAT: the servers see this machine's own address.
	MappingNoNAT = "no-nat"
	// MappingEndpointIndependent: a NAT that maps a socket to one public
	// address whatever the destination, so peers can meet directly.
	MappingEndpointIndependent = "endpoint-independent"
	// MappingAddressDependent: a symmetric NAT, a new mapping per
	// destination: peers behind it need TURN.
	MappingAddressDependent = "address-dependent"
	// MappingUnknown: fewer than two STUN servers at different addresses
	// answered.
	MappingUnknown = "unknown"
)

// NAT is how the NAT in front of this machine maps a UDP socket.
type NAT struct {
	Mapping string `json:"mapping"`
	Detail  string `json:"detail"`
}

// checkNAT sends a Binding request from one socket to each STUN server
// that answered over UDP, one per address, and compares the addresses
// they saw.
func checkNAT(ctx context.Context, cfg Config, servers []ServerResult) NAT {
	addrs := natServers(servers)
	if len(addrs) < 2 {
		return unknownNAT(len(addrs))
	}
	conn, err := net.ListenPacket(udpNetwork(addrs[0].IP), ":0")
	if err != nil {
		return NAT{MappingUnknown, "cannot open a UDP socket: " + err.Error()}
	}
	l := &link{conn: conn}
	defer l.close()
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	var mapped []netip.AddrPort
	for _, a := range addrs {
		m, _, err := l.bind(ctx, a)
		if err != nil {
			cfg.Logger.Debug("ice-check: NAT test: no answer", "server", a, "err", err)
			continue
		}
		mapped = append(mapped, unmap(m.AddrPort()))
	}
	local := unmap(conn.LocalAddr().(*net.UDPAddr).AddrPort())
	return classify(mapped, local, localIPs())
}

// natServers are the distinct addresses of the servers that answered over
// UDP, of one family: IPv4 if any.
func natServers(servers []ServerResult) []*net.UDPAddr {
	var v4, v6 []*net.UDPAddr
	seen := map[string]bool{}
	for _, s := range servers {
		if s.udp == nil || seen[s.udp.String()] {
			continue
		}
		seen[s.udp.String()] = true
		if s.udp.IP.To4() != nil {
			v4 = append(v4, s.udp)
		} else {
			v6 = append(v6, s.udp)
		}
	}
	if len(v4) > 0 {
		return v4
	}
	return v6
}

// classify reads the mapping from the addresses the servers saw one
// socket at: local is the socket's address (its port, at least), ips this
// machine's addresses.
func classify(mapped []netip.AddrPort, local netip.AddrPort, ips []netip.Addr) NAT {
	if len(mapped) < 2 {
		return unknownNAT(len(mapped))
	}
	for _, m := range mapped[1:] {
		if m != mapped[0] {
			return NAT{MappingAddressDependent, fmt.Sprintf("symmetric NAT: peers behind it need TURN (one socket was seen as %s and %s)", mapped[0], m)}
		}
	}
	if mapped[0].Port() == local.Port() && slices.Contains(ips, mapped[0].Addr()) {
		return NAT{MappingNoNAT, fmt.Sprintf("the servers see this machine's own address %s", mapped[0])}
	}
	return NAT{MappingEndpointIndependent, fmt.Sprintf("a NAT that lets peers meet directly: every server sees one socket as %s", mapped[0])}
}

func unknownNAT(answered int) NAT {
	return NAT{MappingUnknown, fmt.Sprintf("needs two STUN servers at different addresses (%d answered over UDP)", answered)}
}

// localIPs are this machine's addresses, loopback included.
func localIPs() []netip.Addr {
	addrs, _ := net.InterfaceAddrs()
	var ips []netip.Addr
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok {
				ips = append(ips, ip.Unmap())
			}
		}
	}
	return ips
}

// hostAddrs are the addresses of the interfaces that are up, without
// loopback and link-local ones: the host candidates ICE offers.
func hostAddrs() []string {
	hosts := []string{}
	ifaces, _ := net.Interfaces()
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			n, ok := a.(*net.IPNet)
			if ok && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() && !slices.Contains(hosts, n.IP.String()) {
				hosts = append(hosts, n.IP.String())
			}
		}
	}
	return hosts
}

func unmap(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
