package signal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Server is the signaling server: an http.Handler for /ws (and upgrades on
// /), /healthz and /metrics.
type Server struct {
	cfg      ServerConfig
	log      *slog.Logger
	hub      *hub
	metrics  *metrics
	upgrader websocket.Upgrader
	mux      *http.ServeMux
	now      func() time.Time

	nconns   atomic.Int64
	shutdown atomic.Bool
	mu       sync.Mutex
	conns    map[*conn]struct{}
	wg       sync.WaitGroup
}

// NewServer builds a server from cfg.
func NewServer(cfg ServerConfig) *Server {
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, log: cfg.Logger, metrics: newMetrics(), now: time.Now, conns: map[*conn]struct{}{}}
	s.hub = newHub(s)
	s.upgrader = websocket.Upgrader{
		// Small read buffers and pooled write buffers keep an idle
		// connection cheap; messages are a few KB at most.
		ReadBufferSize:   512,
		WriteBufferSize:  4096,
		WriteBufferPool:  &sync.Pool{},
		HandshakeTimeout: 10 * time.Second,
		CheckOrigin:      s.checkOrigin,
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("/ws", s.serveWS)
	s.mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	s.mux.Handle("/metrics", s.metrics.handler())
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" && websocket.IsWebSocketUpgrade(r) {
			s.serveWS(w, r)
			return
		}
		if cfg.Page != nil {
			cfg.Page.ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	})
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) closing() bool { return s.shutdown.Load() }

// checkOrigin admits requests without Origin (non-browser clients), from
// the request's own host, and from the configured origins.
func (s *Server) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	for _, a := range s.cfg.AllowOrigins {
		if a == "*" || strings.EqualFold(strings.TrimRight(a, "/"), origin) {
			return true
		}
	}
	u, err := url.Parse(origin)
	ok := err == nil && strings.EqualFold(u.Host, r.Host)
	if !ok {
		s.log.Info("refused cross-origin upgrade", "origin", origin, "host", r.Host, "remote", r.RemoteAddr)
	}
	return ok
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	if s.closing() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered with an HTTP error
	}
	q := r.URL.Query()
	c := &conn{
		srv: s, ws: ws, remote: r.RemoteAddr, id: newID(), finished: make(chan struct{}),
		query: joinQuery{room: q.Get("room"), role: q.Get("role"), name: q.Get("name"), token: q.Get("token")},
	}
	if !s.addConn(c) {
		c.sendError(CodeServerFull, "server is at its connection limit", "")
		c.closeWith(CloseTryLater)
		return
	}
	// A goroutine of our own, so that net/http's handler goroutine returns
	// and frees its request, response and 4 KB read buffer: they would
	// otherwise live as long as the WebSocket.
	go c.serve()
}

func (s *Server) addConn(c *conn) bool {
	if s.nconns.Add(1) > int64(s.cfg.MaxConns) {
		s.nconns.Add(-1)
		return false
	}
	s.mu.Lock()
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	s.metrics.connections.Inc()
	return true
}

func (s *Server) connClosed(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.nconns.Add(-1)
	s.metrics.connections.Dec()
	s.wg.Done()
}

// Close ends every connection with 1001 (going away) and waits for their
// goroutines, at most until ctx is done. Sessions are not kept for resume.
func (s *Server) Close(ctx context.Context) error {
	s.shutdown.Store(true)
	s.mu.Lock()
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.enqueue(outItem{closeCode: websocket.CloseGoingAway})
	}
	s.hub.closeAll()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	grace := time.NewTimer(time.Second)
	defer grace.Stop()
	select {
	case <-done:
		return nil
	case <-grace.C:
	case <-ctx.Done():
	}
	// Clients that did not answer the close frame are cut off.
	for _, c := range conns {
		c.ws.UnderlyingConn().Close()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ListenAndServe serves on addr (HTTPS when cfg.TLS is set) until ctx is
// cancelled, then shuts down gracefully.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve is ListenAndServe on a listener the caller made.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig:         s.cfg.TLS,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	if s.cfg.TLS != nil {
		ln = newTLSListener(ln, s.cfg.TLS)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	herr := hs.Shutdown(sctx) // stops accepting; hijacked WebSockets are ours to close
	cerr := s.Close(sctx)
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return errors.Join(herr, cerr)
}
