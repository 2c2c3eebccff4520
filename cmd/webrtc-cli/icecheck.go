package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/webrtc-cli/webrtc-cli/signal"
	"github.com/webrtc-cli/webrtc-cli/signal/icecheck"
)

type iceCheckOptions struct {
	server     string
	room       string
	token      string
	iceServers []string
	json       bool
	timeout    time.Duration
	insecure   bool
	ca         string
	pin        string
}

func newICECheckCmd(g *globalOptions) *cobra.Command {
	o := &iceCheckOptions{}
	cmd := &cobra.Command{
		Use:   "ice-check",
		Short: "Check that STUN and TURN servers work from this machine",
		Long: `ice-check asks each STUN server for this machine's public address and each
TURN server for a relay, as a WebRTC peer would, and says why one fails. It
also lists the host addresses and tests the NAT: a symmetric one needs TURN.
The servers are those of --ice-server and those a signaling server (--server)
hands out.

Exit codes: 0 every server works, 1 one does not, 2 bad flags.`,
		Example: `  webrtc-cli ice-check --server wss://signal.example.org/ws
  webrtc-cli ice-check --ice-server stun:stun.l.google.com:19302 --ice-server stun:stun.cloudflare.com:3478
  webrtc-cli ice-check --ice-server 'turn:turn.example.org:3478?transport=tcp,alice,secret' --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), g) },
	}
	f := cmd.Flags()
	f.StringVar(&o.server, "server", "", "check the ICE servers this signaling server `URL` hands out (ws:// or wss://)")
	f.StringVar(&o.room, "room", "ice-check", "room to join on --server")
	f.StringVar(&o.token, "token", "", "join token, for a server with --token-secret; @FILE reads it from FILE (default $"+envToken+")")
	f.StringArrayVar(&o.iceServers, "ice-server", nil, "ICE server URL[,username,credential] to check (repeatable)")
	f.BoolVar(&o.json, "json", false, "print one JSON object instead of the table")
	f.DurationVar(&o.timeout, "timeout", icecheck.DefaultTimeout, "how long each server has to answer")
	f.BoolVar(&o.insecure, "insecure", false, "accept any TLS certificate from a wss:// --server")
	f.StringVar(&o.ca, "ca", "", "PEM CA file (or the server's certificate) to trust for a wss:// --server")
	f.StringVar(&o.pin, "pin-sha256", "", "trust the wss:// --server whose certificate has this SHA-256 fingerprint")
	return cmd
}

func (o *iceCheckOptions) run(ctx context.Context, g *globalOptions) error {
	servers, err := o.flagServers()
	if err != nil {
		return err
	}
	if o.server != "" {
		more, err := o.serverICE(ctx, g)
		if err != nil {
			return err
		}
		servers = append(servers, more...)
	}
	res := icecheck.Check(ctx, icecheck.Config{Servers: servers, Timeout: o.timeout, Logger: g.logger})
	if o.json {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(res)
	} else {
		err = res.WriteText(g.stdout)
	}
	if err != nil {
		return err
	}
	if n := res.Failed(); n > 0 {
		return fmt.Errorf("%d of %d ICE servers failed", n, len(res.Servers))
	}
	return nil
}

// flagServers checks the flags and parses --ice-server.
func (o *iceCheckOptions) flagServers() ([]signal.ICEServer, error) {
	switch {
	case o.server == "" && len(o.iceServers) == 0:
		return nil, usageError{fmt.Errorf("nothing to check: give --server URL (a signaling server) or --ice-server URL[,username,credential]")}
	case o.timeout <= 0:
		return nil, usageError{fmt.Errorf("--timeout %v: want a positive duration, e.g. 5s", o.timeout)}
	}
	var servers []signal.ICEServer
	for _, s := range o.iceServers {
		srv, err := signal.ParseICEServer(s)
		if err == nil {
			_, err = icecheck.ParseURL(srv.URLs[0])
		}
		if err != nil {
			return nil, usageError{fmt.Errorf("--ice-server: %w", err)}
		}
		servers = append(servers, srv)
	}
	return servers, nil
}

// serverICE joins --room on --server and returns the ICE servers of its
// welcome. It joins as a sender: by the who-offers rule nobody offers to
// a sender, so the room's members are left alone.
func (o *iceCheckOptions) serverICE(ctx context.Context, g *globalOptions) ([]signal.ICEServer, error) {
	pf := &peerFlags{servers: []string{o.server}, insecure: o.insecure, ca: o.ca, pin: o.pin}
	urls, tlsServers, err := pf.serverList()
	if err != nil {
		return nil, err
	}
	cfg := signal.ClientConfig{URLs: urls, Room: o.room, Role: signal.RoleSender, Name: "ice-check", NoReconnect: true, Logger: g.logger}
	if cfg.TLS, err = pf.clientTLS(urls, tlsServers); err != nil {
		return nil, err
	}
	if cfg.Token, err = secret("token", o.token, envToken); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	c, err := signal.Dial(ctx, cfg)
	if err != nil {
		return nil, err
	}
	servers := c.Welcome().ICEServers
	c.Close()
	if len(servers) == 0 && len(o.iceServers) == 0 {
		return nil, fmt.Errorf("%s hands out no ICE servers (serve --ice-server sets them); give --ice-server to check one", c.Server())
	}
	return servers, nil
}
