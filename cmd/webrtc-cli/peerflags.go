package main

import (
	"fmt"
	"os"

	"github.com/spf13/pflag"
	"github.com/webrtc-cli/webrtc-cli/peer"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// peerFlags are the options send and receive share.
type peerFlags struct {
	server     string
	room       string
	name       string
	token      string
	iceServers []string
	udpPorts   string
	natIPs     []string
	insecure   bool
	ca         string
	loss       float64
}

func (f *peerFlags) register(fs *pflag.FlagSet, defaultName string) {
	def := os.Getenv("WEBRTC_CLI_SERVER")
	if def == "" {
		def = "ws://127.0.0.1:8080/ws"
	}
	fs.StringVar(&f.server, "server", def, "signaling server URL (also $WEBRTC_CLI_SERVER)")
	fs.StringVar(&f.room, "room", "default", "room to join")
	fs.StringVar(&f.name, "name", defaultName, "display name in the room")
	fs.StringVar(&f.token, "token", "", "join token, for a server with --token-secret")
	fs.StringArrayVar(&f.iceServers, "ice-server", nil, "ICE server URL[,username,credential] (repeatable; merged with the server's)")
	fs.StringVar(&f.udpPorts, "udp-ports", "", "local UDP port range MIN-MAX for media")
	fs.StringSliceVar(&f.natIPs, "nat-ip", nil, "public IP to advertise in host candidates (1:1 NAT)")
	fs.BoolVar(&f.insecure, "insecure", false, "accept any TLS certificate from a wss:// server")
	fs.StringVar(&f.ca, "ca", "", "PEM CA file (or the server's certificate) to trust for wss://")
	fs.Float64Var(&f.loss, "simulate-loss", 0, "drop this fraction of sent RTP packets (testing)")
	fs.MarkHidden("simulate-loss")
}

func (f *peerFlags) config() (signal.ClientConfig, peer.NetOptions, error) {
	sc := signal.ClientConfig{URL: f.server, Room: f.room, Name: f.name, Token: f.token}
	var no peer.NetOptions
	tlsCfg, err := signal.ClientTLS(f.insecure, f.ca)
	if err != nil {
		return sc, no, usageError{fmt.Errorf("--ca: %w", err)}
	}
	sc.TLS = tlsCfg
	var ice []signal.ICEServer
	for _, s := range f.iceServers {
		srv, err := signal.ParseICEServer(s)
		if err != nil {
			return sc, no, usageError{fmt.Errorf("--ice-server: %w", err)}
		}
		ice = append(ice, srv)
	}
	no.ICEServers = peer.ICEServers(ice)
	if f.udpPorts != "" {
		if no.UDPPortMin, no.UDPPortMax, err = peer.ParsePortRange(f.udpPorts); err != nil {
			return sc, no, usageError{fmt.Errorf("--udp-ports: %w", err)}
		}
	}
	no.NATIPs = f.natIPs
	if f.loss < 0 || f.loss >= 1 {
		return sc, no, usageError{fmt.Errorf("--simulate-loss must be in [0, 1)")}
	}
	no.Loss, no.LossSeed = f.loss, 1
	return sc, no, nil
}
