package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/webrtc-cli/webrtc-cli/peer"
	"github.com/webrtc-cli/webrtc-cli/signal"
	"github.com/webrtc-cli/webrtc-cli/signal/whip"
)

// WHIPConfig makes Send and Receive talk WHIP (RFC 9725) or WHEP instead
// of the room protocol: as a client of URL, or as an endpoint on Listen.
// Send publishes with WHIP and serves viewers with WHEP; Receive plays
// from WHEP and takes publishers with WHIP.
type WHIPConfig struct {
	URL    string // the endpoint to POST the offer to
	Listen string // the address to serve the endpoint on, at /whip or /whep
	Bearer string // the token the endpoint requires, or requires of clients
	// NoTrickle (client) waits for every candidate and sends them in the
	// offer, for endpoints that take no PATCH.
	NoTrickle bool
	// HTTP is the client's (nil: a default one).
	HTTP *http.Client
	// TLS serves the endpoint over HTTPS; ICEServers are announced to
	// clients in Link headers.
	TLS        *tls.Config
	ICEServers []signal.ICEServer
	// TURN (endpoint) announces a TURN server with credentials of each
	// session's own.
	TURN        *signal.TURNAuth
	MaxSessions int
	// ConnectTimeout ends an endpoint's session whose connection is not
	// up in time (default 30 s).
	ConnectTimeout time.Duration

	onListening func(url string) // tests: the endpoint's URL
}

// driver brings the calls of Send and Receive: a room, a WHIP/WHEP
// session, or an endpoint.
type driver interface {
	// run makes calls with calls until ctx ends or, for one session,
	// the call ends, and closes calls.
	run(ctx context.Context, calls *peer.Calls) error
	close()
	// id is ours in the room, "" without one.
	id() string
}

// connect sets up the driver of a sender or receiver (role): joins the
// room, or listens. Nothing is left open when it fails.
func connect(ctx context.Context, sc signal.ClientConfig, w *WHIPConfig, role signal.Role, log *slog.Logger) (driver, error) {
	if w == nil {
		sc.Role, sc.Logger = role, log
		sig, err := signal.Dial(ctx, sc)
		if err != nil {
			return nil, err
		}
		waiting := "senders"
		if role == signal.RoleSender {
			waiting = "receivers"
		}
		log.Info("joined room; waiting for "+waiting, "room", sc.Room, "id", sig.ID())
		return roomDriver{sig, role, log}, nil
	}
	// A sender publishes to WHIP and is watched over WHEP; a receiver
	// plays from WHEP and is published to over WHIP.
	client := w.URL != ""
	kind := whip.WHIP
	if client != (role == signal.RoleSender) {
		kind = whip.WHEP
	}
	if !client {
		return listen(w, kind, log)
	}
	u, err := url.Parse(w.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s URL %q: want http:// or https://HOST/PATH", kind, w.URL)
	}
	c := peer.WHIPClient{Client: &whip.Client{Endpoint: w.URL, Bearer: w.Bearer, HTTP: w.HTTP, Kind: kind}, NoTrickle: w.NoTrickle, Name: u.Host}
	log.Info(fmt.Sprintf("offering to the %s endpoint", kind), "url", w.URL)
	return clientDriver{c}, nil
}

type roomDriver struct {
	sig  *signal.Client
	role signal.Role
	log  *slog.Logger
}

func (d roomDriver) run(ctx context.Context, calls *peer.Calls) error {
	return peer.NewRoom(d.sig, d.role, calls, d.log).Run(ctx)
}

func (d roomDriver) close() { d.sig.Close() }

func (d roomDriver) id() string { return d.sig.ID() }

type clientDriver struct{ c peer.WHIPClient }

func (d clientDriver) run(ctx context.Context, calls *peer.Calls) error { return d.c.Run(ctx, calls) }
func (d clientDriver) close()                                           {}
func (d clientDriver) id() string                                       { return "" }

// endpointDriver serves a WHIP or WHEP endpoint: every POST is a call.
type endpointDriver struct {
	ln   net.Listener
	w    *WHIPConfig
	kind whip.Kind
	log  *slog.Logger
}

func listen(w *WHIPConfig, kind whip.Kind, log *slog.Logger) (driver, error) {
	ln, err := net.Listen("tcp", w.Listen)
	if err != nil {
		return nil, fmt.Errorf("%s endpoint: %w", kind, err)
	}
	// The WebSocket URL of the same address, made HTTP.
	u, _ := url.Parse(signal.ListenURL(ln.Addr(), w.TLS != nil))
	u.Scheme, u.Path = "http", endpointPath(kind)
	if w.TLS != nil {
		u.Scheme = "https"
	}
	log.Info(fmt.Sprintf("%s endpoint listening", kind), "url", u.String(), "bearer", w.Bearer != "")
	if w.onListening != nil {
		w.onListening(u.String())
	}
	return endpointDriver{ln, w, kind, log}, nil
}

func endpointPath(kind whip.Kind) string {
	if kind == whip.WHEP {
		return "/whep"
	}
	return "/whip"
}

func (d endpointDriver) run(ctx context.Context, calls *peer.Calls) error {
	defer calls.Close()
	path := endpointPath(d.kind)
	ep := whip.NewServer(whip.ServerConfig{
		Kind: d.kind, Path: path, Bearer: d.w.Bearer, MaxSessions: d.w.MaxSessions, ICEServers: d.w.ICEServers, TURN: d.w.TURN,
		Backend: peer.WHIPBackend{Calls: calls, ConnectTimeout: d.w.ConnectTimeout}, Logger: d.log,
	})
	defer ep.Close()
	mux := http.NewServeMux()
	mux.Handle(path, ep)
	mux.Handle(path+"/", ep)
	srv := &http.Server{Handler: mux, TLSConfig: d.w.TLS, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		ErrorLog: slog.NewLogLogger(d.log.Handler(), slog.LevelDebug)}
	served := make(chan error, 1)
	go func() {
		if d.w.TLS != nil {
			served <- srv.ServeTLS(d.ln, "", "")
		} else {
			served <- srv.Serve(d.ln)
		}
	}()
	var err error
	select {
	case <-ctx.Done():
		lingerForDeletes(ep, served)
	case err = <-served:
	}
	shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if srv.Shutdown(shut) != nil {
		srv.Close() // what is still busy after 2 s is cut off, not left running
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func (d endpointDriver) close()     { d.ln.Close() }
func (d endpointDriver) id() string { return "" }

// deleteLinger bounds how long a stopping endpoint waits for the DELETEs
// of sessions that just ended.
const deleteLinger = time.Second

// lingerForDeletes keeps serving a little while clients whose sessions
// just ended (RTCP BYE, as --count counts them) still have their DELETE
// to send: stopping at once would answer it with "connection refused".
func lingerForDeletes(ep *whip.Server, served <-chan error) {
	deadline := time.Now().Add(deleteLinger)
	for ep.AwaitingDelete() > 0 && time.Now().Before(deadline) {
		select {
		case <-served:
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}
