package signal

import (
	"crypto/tls"
	"log/slog"
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

	// AllowOrigins lists the Origin values (scheme://host[:port]) admitted
	// besides the request's own host; "*" admits every origin.
	AllowOrigins []string
	// TokenSecret, when set, makes every join carry a token it signed.
	TokenSecret []byte
	ICEServers  []ICEServer

	PingInterval time.Duration // WebSocket ping period; default 20 s
	PongTimeout  time.Duration // how long past a ping a silent connection lives; default 10 s
	WriteTimeout time.Duration // per message; default 10 s
	SendQueue    int           // messages queued per connection before it is dropped; default 256
	ResumeQueue  int           // messages kept for a disconnected peer; default 256

	// Page serves what is not a WebSocket upgrade on "/"; nil gives a 404.
	Page http.Handler
	// TLS, when set, makes ListenAndServe serve HTTPS and WSS.
	TLS *tls.Config

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
	if c.MaxMessage <= 0 {
		c.MaxMessage = 64 << 10
	}
	if c.Rate == 0 {
		c.Rate = 50
	}
	defDur(&c.ResumeWindow, 30*time.Second)
	defDur(&c.PingInterval, 20*time.Second)
	defDur(&c.PongTimeout, 10*time.Second)
	defDur(&c.WriteTimeout, 10*time.Second)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
