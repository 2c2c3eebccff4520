package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/spf13/cobra"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

type serveOptions struct {
	addr          string
	tlsCert       string
	tlsKey        string
	tlsSelfSigned bool
	tlsOut        string
	static        string
	roomSize      int
	maxConns      int
	maxMessage    int64
	rate          string
	allowOrigin   []string
	publicURL     []string
	tokenSecret   string
	resumeWindow  time.Duration
	iceServers    []string
	joinTimeout   time.Duration
	maxConnsPerIP int
	trustProxy    bool
	metricsAddr   string
	redis         string
	heartbeat     time.Duration
	turn          turnServeFlags
}

func newServeCmd(g *globalOptions) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the signaling server (WebSocket on /ws, web page on /)",
		Long: `serve runs the JSON-over-WebSocket signaling server that send, receive and
the web page use. It also serves /healthz, /livez and /metrics (Prometheus).
With --redis, every instance given the same Redis serves the same rooms.`,
		Example: `  webrtc-cli serve
  webrtc-cli serve --addr :8443 --tls-self-signed
  webrtc-cli serve --tls-cert cert.pem --tls-key key.pem --token-secret "$SECRET"
  webrtc-cli serve --addr 127.0.0.1:8080 --trust-proxy --public-url https://signal.example.org --metrics-addr 127.0.0.1:9090
  webrtc-cli serve --ice-server stun:stun.example.org:3478 --ice-server turn:turn.example.org:3478,user,pass
  webrtc-cli serve --redis redis://redis.internal:6379/0   # one of several instances behind a load balancer
  webrtc-cli serve --turn :3478 --turn-public-ip 203.0.113.7   # and a TURN server; welcomes carry credentials for it
  webrtc-cli serve --turn-secret @coturn-secret --turn-url turn:turn.example.org:3478   # credentials for your coturn`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := o.config(g)
			if err != nil {
				return err
			}
			return serve(cmd.Context(), g, o, cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", ":8080", "address to listen on")
	f.StringVar(&o.tlsCert, "tls-cert", "", "TLS certificate file (PEM); serves HTTPS and WSS")
	f.StringVar(&o.tlsKey, "tls-key", "", "TLS private key file (PEM)")
	f.BoolVar(&o.tlsSelfSigned, "tls-self-signed", false, "serve TLS with an ephemeral self-signed certificate (prints its SHA-256 fingerprint)")
	f.StringVar(&o.tlsOut, "tls-self-signed-out", "", "with --tls-self-signed, write its certificate (PEM) to this file, for clients' --ca")
	f.StringVar(&o.static, "static", "", "serve this directory at / instead of the embedded page")
	f.IntVar(&o.roomSize, "room-size", 16, "peers per room")
	f.IntVar(&o.maxConns, "max-conns", 50000, "server-wide connection limit")
	f.Int64Var(&o.maxMessage, "max-message", 64<<10, "largest message in bytes")
	f.StringVar(&o.rate, "rate", "50/200", "messages per second per connection and burst (RATE/BURST); 0 disables")
	f.StringSliceVar(&o.allowOrigin, "allow-origin", nil, "browser origins allowed besides the server's own (repeatable; * allows all)")
	f.StringArrayVar(&o.publicURL, "public-url", nil, "URL the server is reached at, e.g. https://signal.example.org; pages from it may connect (repeatable; loopback and IP addresses always may)")
	f.StringVar(&o.tokenSecret, "token-secret", "", "require join tokens signed with this secret (see 'webrtc-cli token'); @FILE reads it from FILE (default $"+envTokenSecret+")")
	f.DurationVar(&o.resumeWindow, "resume-window", 30*time.Second, "how long a dropped peer may resume its session; 0 disables")
	f.StringArrayVar(&o.iceServers, "ice-server", nil, "ICE server for clients, URL[,username,credential] (repeatable)")
	f.DurationVar(&o.joinTimeout, "join-timeout", 10*time.Second, "close connections that have not joined a room within this time; 0 disables")
	f.IntVar(&o.maxConnsPerIP, "max-conns-per-ip", 64, "connections per client address (IPv6: per /64); loopback is exempt; 0 disables")
	f.BoolVar(&o.trustProxy, "trust-proxy", false, "take the client address from the last X-Forwarded-For entry (only behind a proxy that appends it)")
	f.StringVar(&o.redis, "redis", "", "run as one instance of a cluster sharing this Redis: redis://[USER:PASSWORD@]HOST:6379/DB or rediss://; @FILE reads it from FILE (default $"+envRedis+")")
	f.DurationVar(&o.heartbeat, "heartbeat-timeout", 5*time.Second, "with --redis: how long an instance may be silent before its peers count as dropped")
	f.StringVar(&o.metricsAddr, "metrics-addr", "", "serve /metrics on this address only (plain HTTP), e.g. 127.0.0.1:9090")
	o.turn.register(f)
	return cmd
}

func (o *serveOptions) config(g *globalOptions) (signal.ServerConfig, error) {
	cfg := signal.ServerConfig{
		RoomSize: o.roomSize, MaxConns: o.maxConns, MaxMessage: o.maxMessage,
		ResumeWindow: o.resumeWindow, NoResume: o.resumeWindow == 0,
		AllowOrigins: o.allowOrigin, PublicURLs: o.publicURL, Logger: g.logger,
		JoinTimeout: o.joinTimeout, MaxConnsPerIP: o.maxConnsPerIP, TrustProxy: o.trustProxy,
	}
	if o.joinTimeout == 0 {
		cfg.JoinTimeout = -1
	}
	if o.maxConnsPerIP == 0 {
		cfg.MaxConnsPerIP = -1
	}
	var err error
	if cfg.Rate, cfg.Burst, err = signal.ParseRate(o.rate); err != nil {
		return cfg, usageError{fmt.Errorf("--rate: %w", err)}
	}
	if o.roomSize < 1 || o.maxConns < 1 || o.maxMessage < 256 {
		return cfg, usageError{fmt.Errorf("--room-size and --max-conns must be positive, --max-message at least 256")}
	}
	if o.joinTimeout < 0 || o.maxConnsPerIP < 0 {
		return cfg, usageError{fmt.Errorf("--join-timeout and --max-conns-per-ip must not be negative")}
	}
	for _, u := range o.publicURL {
		if _, err := signal.OriginOf(u); err != nil {
			return cfg, usageError{fmt.Errorf("--public-url: %w", err)}
		}
	}
	for _, s := range o.iceServers {
		srv, err := signal.ParseICEServer(s)
		if err != nil {
			return cfg, usageError{fmt.Errorf("--ice-server: %w", err)}
		}
		cfg.ICEServers = append(cfg.ICEServers, srv)
	}
	tokenSecret, err := secret("token-secret", o.tokenSecret, envTokenSecret)
	if err != nil {
		return cfg, err
	}
	if tokenSecret != "" {
		cfg.TokenSecret = []byte(tokenSecret)
	}
	if cfg.Redis, err = secret("redis", o.redis, envRedis); err != nil {
		return cfg, err
	}
	if cfg.Redis != "" {
		if err := signal.CheckRedisURL(cfg.Redis); err != nil {
			return cfg, usageError{fmt.Errorf("--redis: %w", err)}
		}
	}
	if cfg.Redis != "" && o.heartbeat < 2*time.Second {
		return cfg, usageError{fmt.Errorf("--heartbeat-timeout %v: at least 2s (instances beat once a second)", o.heartbeat)}
	}
	cfg.HeartbeatTimeout = o.heartbeat
	if cfg.Page, err = signal.PageDir(o.static); err != nil {
		return cfg, usageError{fmt.Errorf("--static %w", err)}
	}
	tlsOpts := signal.TLSOptions{CertFile: o.tlsCert, KeyFile: o.tlsKey, SelfSigned: o.tlsSelfSigned, SelfSignedOut: o.tlsOut, Addr: o.addr}
	tlsCfg, fingerprint, err := tlsOpts.Config()
	if errors.Is(err, signal.ErrTLSOptions) {
		return cfg, usageError{fmt.Errorf("--tls-self-signed, --tls-self-signed-out, --tls-cert, --tls-key: %w", err)}
	} else if err != nil {
		return cfg, err
	}
	cfg.TLS = tlsCfg
	if cfg.TURN, err = o.turn.auth.auth(o.turn.addr != ""); err != nil {
		return cfg, err
	}
	if err := o.turn.check(cfg.TLS); err != nil {
		return cfg, err
	}
	if fingerprint != "" {
		fmt.Fprintf(g.stderr, "self-signed certificate SHA-256 fingerprint: %s (clients: --pin-sha256 %s)\n", fingerprint, fingerprint)
	}
	if o.tlsOut != "" {
		fmt.Fprintf(g.stderr, "self-signed certificate written to %s (clients: --ca %s)\n", o.tlsOut, o.tlsOut)
	}
	return cfg, nil
}

func serve(ctx context.Context, g *globalOptions, o *serveOptions, cfg signal.ServerConfig) error {
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	if o.metricsAddr != "" {
		if cfg.MetricsListener, err = net.Listen("tcp", o.metricsAddr); err != nil {
			ln.Close()
			return fmt.Errorf("--metrics-addr: %w", err)
		}
	}
	g.logger.Info("signaling server listening", "addr", ln.Addr().String(), "url", signal.ListenURL(ln.Addr(), cfg.TLS != nil),
		"tokens", cfg.TokenSecret != nil, "room_size", cfg.RoomSize)
	if signal.ExposedWithoutTokens(ln.Addr(), cfg.TokenSecret != nil) {
		g.logger.Warn("anyone who can reach this address can join any room: bind --addr 127.0.0.1:8080 to stay local, or set --token-secret",
			"addr", ln.Addr().String())
	}
	srv := signal.NewServer(cfg)
	if o.turn.addr != "" {
		ts, err := o.turn.start(cfg, srv.Registerer(), g.logger)
		if err != nil {
			ln.Close()
			if cfg.MetricsListener != nil {
				cfg.MetricsListener.Close()
			}
			srv.Close(context.Background())
			return err
		}
		defer ts.Close()
	}
	if cfg.Redis != "" {
		if err := waitForCluster(ctx, srv, 10*time.Second); err != nil {
			ln.Close()
			if cfg.MetricsListener != nil {
				cfg.MetricsListener.Close()
			}
			srv.Close(context.Background())
			return err
		}
		g.logger.Info("serving as one instance of the cluster", "redis", redactURL(cfg.Redis))
	}
	err = srv.Serve(ctx, ln)
	g.logger.Info("signaling server stopped")
	return err
}

// waitForCluster waits until srv reaches its Redis, so that a wrong
// --redis fails at start instead of refusing every join.
func waitForCluster(ctx context.Context, srv *signal.Server, limit time.Duration) error {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	deadline := time.After(limit)
	for !srv.ClusterReady() {
		select {
		case <-t.C:
		case <-deadline:
			return fmt.Errorf("--redis: no answer from Redis within %v: check the URL and that Redis runs (redis-cli -u URL ping)", limit)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// redactURL hides a URL's password, for logs.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable)"
	}
	return u.Redacted()
}
