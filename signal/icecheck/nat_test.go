package icecheck

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/signal"
)

// Two STUN servers on loopback see the socket at its own address: no NAT.
// One is not enough to tell.
func TestICENATLoopback(t *testing.T) {
	a, b := startTURN(t), startTURN(t)
	user, pass := credentials(t, time.Hour)
	cases := []struct {
		name    string
		servers []signal.ICEServer
		mapping string
	}{
		{"two servers", []signal.ICEServer{iceServer("stun:"+a.udp, "", ""), iceServer("stun:"+b.udp, "", "")}, MappingNoNAT},
		{"a STUN and a TURN server", []signal.ICEServer{iceServer("stun:"+a.udp, "", ""), iceServer("turn:"+b.udp, user, pass)}, MappingNoNAT},
		{"one server, two URLs", []signal.ICEServer{iceServer("stun:"+a.udp, "", ""), iceServer("turn:"+a.udp, user, pass)}, MappingUnknown},
		{"one server over UDP", []signal.ICEServer{iceServer("stun:"+a.udp, "", ""), iceServer("turn:"+b.tcp+"?transport=tcp", user, pass)}, MappingUnknown},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			res := Check(ctx, Config{Servers: tc.servers, Timeout: 5 * time.Second})
			if !res.OK() || res.NAT.Mapping != tc.mapping || res.NAT.Detail == "" {
				t.Errorf("ok %v, NAT %+v; want %s", res.OK(), res.NAT, tc.mapping)
			}
		})
	}
}

func TestICEClassify(t *testing.T) {
	ap := netip.MustParseAddrPort
	local := ap("0.0.0.0:5000")
	ips := []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("192.168.1.10")}
	cases := []struct {
		name   string
		mapped []netip.AddrPort
		want   string
	}{
		{"none", nil, MappingUnknown},
		{"one", []netip.AddrPort{ap("203.0.113.7:6000")}, MappingUnknown},
		{"same public address", []netip.AddrPort{ap("203.0.113.7:6000"), ap("203.0.113.7:6000"), ap("203.0.113.7:6000")}, MappingEndpointIndependent},
		{"another port", []netip.AddrPort{ap("203.0.113.7:6000"), ap("203.0.113.7:6001")}, MappingAddressDependent},
		{"another address", []netip.AddrPort{ap("203.0.113.7:6000"), ap("203.0.113.8:6000")}, MappingAddressDependent},
		{"own address", []netip.AddrPort{ap("192.168.1.10:5000"), ap("192.168.1.10:5000")}, MappingNoNAT},
		{"loopback", []netip.AddrPort{ap("127.0.0.1:5000"), ap("127.0.0.1:5000")}, MappingNoNAT},
		{"own address, other port", []netip.AddrPort{ap("192.168.1.10:5001"), ap("192.168.1.10:5001")}, MappingEndpointIndependent},
	}
	for _, tc := range cases {
		if got := classify(tc.mapped, local, ips); got.Mapping != tc.want || got.Detail == "" {
			t.Errorf("%s: %+v, want %s", tc.name, got, tc.want)
		}
	}
}
