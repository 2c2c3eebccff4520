package signal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/redis/go-redis/v9"
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
	perAddr  map[string]int // connections per client address
	wg       sync.WaitGroup

	origins map[string]bool // AllowOrigins and PublicURLs, by originKey

	clusterErr error // a --redis that could not be used at all

	onClosed func() // tests: a connection has been let go
}

// NewServer builds a server from cfg.
func NewServer(cfg ServerConfig) *Server {
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, log: cfg.Logger, metrics: newMetrics(), now: time.Now,
		conns: map[*conn]struct{}{}, perAddr: map[string]int{}, origins: map[string]bool{}}
	for _, o := range append(cfg.AllowOrigins, cfg.PublicURLs...) {
		s.origins[originKey(o)] = true
	}
	s.hub = newHub(s)
	if cfg.Redis != "" {
		cl, err := newCluster(s, cfg.Redis)
		if err != nil {
			// CheckRedisURL tells callers first; a server that was
			// given a bad one refuses every join rather than split rooms.
			s.clusterErr = err
			s.log.Error("not joining the cluster", "err", err)
		}
		s.hub.cluster = cl
	}
	s.upgrader = websocket.Upgrader{
		// Small read buffers and pooled write buffers keep an idle
		// connection cheap; messages are a few KB at most.
		ReadBufferSize:   512,
		WriteBufferSize:  4096,
		WriteBufferPool:  &sync.Pool{},
		HandshakeTimeout: 10 * time.Second,
		CheckOrigin:      func(*http.Request) bool { return true }, // serveWS has checked
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("/ws", s.serveWS)
	s.mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := s.clusterHealth(); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, err)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	s.mux.HandleFunc("/livez", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	if cfg.MetricsListener == nil {
		s.mux.Handle("/metrics", s.metrics.handler())
	} else {
		s.mux.Handle("/metrics", http.NotFoundHandler())
	}
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

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	if s.closing() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	if !s.originOK(r) {
		origin := r.Header.Get("Origin")
		s.log.Info("refused cross-origin upgrade", "origin", origin, "host", r.Host, "remote", r.RemoteAddr)
		http.Error(w, fmt.Sprintf("origin %s not allowed: add --allow-origin %s, or --public-url with the URL the page is served from", origin, origin), http.StatusForbidden)
		return
	}
	remote, addr := s.clientAddr(r)
	if !s.reserveAddr(addr) {
		s.metrics.perIPRefused.Inc()
		s.log.Info("refused upgrade: too many connections from one address", "remote", remote, "limit", s.cfg.MaxConnsPerIP)
		http.Error(w, "too many connections from your address", http.StatusTooManyRequests)
		return
	}
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.releaseAddr(addr)
		return // the upgrader has answered with an HTTP error
	}
	q := r.URL.Query()
	c := &conn{
		srv: s, ws: ws, remote: remote, addr: addr, host: r.Host, id: newID(), finished: make(chan struct{}),
		query: joinQuery{room: q.Get("room"), role: q.Get("role"), name: q.Get("name"), token: q.Get("token")},
	}
	if !s.addConn(c) {
		s.releaseAddr(addr)
		if s.closing() {
			c.closeWith(websocket.CloseGoingAway, "shutting down")
			return
		}
		c.sendError(CodeServerFull, "server is at its connection limit", "")
		c.closeWith(CloseTryLater, "server full")
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
	defer s.mu.Unlock()
	if s.closing() {
		// Close has taken its list of connections and may be waiting:
		// no Add may follow its Wait.
		s.nconns.Add(-1)
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.metrics.connections.Inc()
	return true
}

func (s *Server) connClosed(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	onClosed := s.onClosed
	s.mu.Unlock()
	s.releaseAddr(c.addr)
	s.nconns.Add(-1)
	s.metrics.connections.Dec()
	if onClosed != nil {
		onClosed()
	}
	s.wg.Done()
}

// Close ends every connection with 1001 (going away) and waits for their
// goroutines, at most until ctx is done. Sessions are not kept for resume.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	s.shutdown.Store(true) // under mu: see addConn
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
	if cl := s.hub.cluster; cl != nil {
		defer cl.close(ctx) // after the connections: their leaves go first
	}
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

// clusterHealth says why this instance cannot serve as part of its
// cluster, or nil (also for a single server).
func (s *Server) clusterHealth() error {
	switch {
	case s.clusterErr != nil:
		return s.clusterErr
	case s.hub.cluster != nil && !s.hub.cluster.ready.Load():
		return errors.New("redis unreachable: not taking joins")
	}
	return nil
}

// ClusterReady reports whether a server with ServerConfig.Redis can take
// joins (its Redis answers); a single server always can.
func (s *Server) ClusterReady() bool { return s.clusterHealth() == nil }

// CheckRedisURL reports whether url is a Redis URL ServerConfig.Redis
// takes.
func CheckRedisURL(url string) error {
	_, err := redis.ParseURL(url)
	return err
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

// Serve is ListenAndServe on a listener the caller made. It serves
// /metrics on cfg.MetricsListener too, when there is one.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if s.cfg.TLS != nil {
		ln = newTLSListener(ln, s.cfg.TLS)
	}
	web := s.httpServer(s)
	web.TLSConfig = s.cfg.TLS
	servers := map[*http.Server]net.Listener{web: ln}
	if mln := s.cfg.MetricsListener; mln != nil {
		mux := http.NewServeMux()
		mux.Handle("/metrics", s.metrics.handler())
		servers[s.httpServer(mux)] = mln
		s.log.Info("metrics listening", "addr", mln.Addr().String())
	}
	errc := make(chan error, len(servers))
	for srv, l := range servers {
		go func() { errc <- srv.Serve(l) }()
	}
	running := len(servers)
	var err error
	select {
	case err = <-errc: // a listener failed
		running--
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var errs []error
	for srv := range servers {
		errs = append(errs, srv.Shutdown(sctx)) // stops accepting; hijacked WebSockets are ours to close
	}
	errs = append(errs, s.Close(sctx))
	for range running {
		if e := <-errc; err == nil && !errors.Is(e, http.ErrServerClosed) {
			err = e
		}
	}
	if err != nil {
		return err
	}
	return errors.Join(errs...)
}

func (s *Server) httpServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
}
