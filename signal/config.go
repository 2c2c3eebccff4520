package signal

import (
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// ServerConfig configures a Server. The zero value of every field means its
// default, so ServerConfig{} is a working server.
type ServerConfig struct {
	RoomSize     int     // peers per room; default 16
	MaxConns     int     // server-wide connection limit; default 50000
	MaxMessage   int64   // bytes per message; default 64 KiB
	Rate         float64 // messages per second per connection; default 50, negative disables
	Burst        int     // default 200
	ResumeWindow time.Duration
	// NoResume disables the resume window: every dropped connection ends
	// its session at once.
	NoResume bool

	// Redis, when set (redis:// or rediss://, user and password in the
	// URL), makes this server one instance of a cluster: every instance
	// given the same Redis serves the same rooms.
	Redis string
	// HeartbeatInterval is how often an instance says it is alive;
	// HeartbeatTimeout how long the others wait before treating its
	// peers as dropped connections. Defaults 1 s and 5 s.
	HeartbeatInterval, HeartbeatTimeout time.Duration

	// JoinTimeout is how long a connection may stay open without joining
	// a room; default 10 s, negative disables.
	JoinTimeout time.Duration
	// MaxConnsPerIP limits the connections of one client address (an IPv6
	// client's /64); default 64, negative disables. Loopback clients are
	// exempt.
	MaxConnsPerIP int
	// TrustProxy takes the client address from the last X-Forwarded-For
	// entry, the one the proxy in front of the server appended.
	TrustProxy bool

	// AllowOrigins lists the Origin values (scheme://host[:port]) admitted
	// besides the server's own; "*" admits every origin.
	AllowOrigins []string
	// PublicURLs are the URLs the server is reached at (http, https, ws or
	// wss; the path is ignored); pages from their origins may connect.
	// Loopback names and IP literals are always the server's own.
	PublicURLs []string
	// TokenSecret, when set, makes every join carry a token it signed.
	TokenSecret []byte
	ICEServers  []ICEServer
	// TURN, when set, adds to every welcome a TURN server with
	// credentials of the peer's own, valid for TURN.TTL.
	TURN *TURNAuth

	PingInterval time.Duration // WebSocket ping period; default 20 s
	PongTimeout  time.Duration // how long past a ping a silent connection lives; default 10 s
	WriteTimeout time.Duration // per message; default 10 s
	SendQueue    int           // messages queued per connection before it is dropped; default 256
	ResumeQueue  int           // messages kept for a disconnected peer; default 256
	// ResumeTotalBytes bounds what is kept for all disconnected peers
	// together; default 64 MiB. Each peer also has the send queue's
	// bound in bytes.
	ResumeTotalBytes int64

	// Page serves what is not a WebSocket upgrade on "/"; nil gives a 404.
	Page http.Handler
	// TLS, when set, makes ListenAndServe serve HTTPS and WSS.
	TLS *tls.Config
	// MetricsListener, when set, is where Serve serves /metrics (plain
	// HTTP) instead of the main address.
	MetricsListener net.Listener

	Logger *slog.Logger // nil discards
}

func (c ServerConfig) withDefaults() ServerConfig {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.RoomSize, 16)
	def(&c.MaxConns, 50000)
	def(&c.Burst, 200)
	def(&c.SendQueue, 256)
	def(&c.ResumeQueue, 256)
	if c.ResumeQueue < 64 {
		c.ResumeQueue = 64 // the protocol promises at least 64
	}
	if c.MaxConnsPerIP == 0 {
		c.MaxConnsPerIP = 64
	}
	if c.MaxMessage <= 0 {
		c.MaxMessage = 64 << 10
	}
	if c.ResumeTotalBytes <= 0 {
		c.ResumeTotalBytes = 64 << 20
	}
	if c.Rate == 0 {
		c.Rate = 50
	}
	defDur(&c.ResumeWindow, 30*time.Second)
	defDur(&c.HeartbeatInterval, time.Second)
	defDur(&c.HeartbeatTimeout, 5*time.Second)
	if c.JoinTimeout == 0 {
		c.JoinTimeout = 10 * time.Second
	}
	defDur(&c.PingInterval, 20*time.Second)
	defDur(&c.PongTimeout, 10*time.Second)
	defDur(&c.WriteTimeout, 10*time.Second)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// queueBytes bounds the bytes queued for one peer, on its connection or
// for its resume: four of the largest messages and 1 MiB (1.25 MiB by
// default).
func (c ServerConfig) queueBytes() int { return 4*int(c.MaxMessage) + 1<<20 }
