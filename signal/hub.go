package signal

import (
	"sync"
	"time"
)

// peer is a session in a room. It outlives its connection for the resume
// window; while it has no connection, what is addressed to it is queued.
type peer struct {
	id      string
	role    Role
	name    string
	room    *room
	dialect dialect
	seq     uint64 // join order, for the role dialect's "most recent receiver"
	partner string // role dialect: the last offer partner

	// home is the cluster instance of a peer of another instance: it
	// has no conn here, and what is sent to it goes there.
	home string
	hand *handover // resumed from another instance, fences due

	conn         *conn // nil while disconnected
	resume       string
	pending      [][]byte
	pendingBytes int
	expiry       *time.Timer
}

type room struct {
	name  string
	peers map[string]*peer
	// local counts the peers of this instance; joining, its joins
	// waiting for Redis. A room with neither is forgotten. gone are the
	// peers of other instances that left while joins were waiting, whose
	// join replies may still list them.
	local   int
	joining int
	gone    map[string]bool
}

// hub holds the rooms. One mutex guards all of it: every critical section
// is a few map operations and non-blocking enqueues, never I/O.
type hub struct {
	srv     *Server
	cluster *cluster // nil for a single server

	mu      sync.Mutex
	rooms   map[string]*room
	resumes map[string]*peer // resume token -> session
	seq     uint64
	held    int // bytes in every peer's pending

	onDetach func(id string) // tests: a session's connection is gone
}

func newHub(s *Server) *hub {
	return &hub{srv: s, rooms: map[string]*room{}, resumes: map[string]*peer{}}
}

func (p *peer) info() PeerInfo { return PeerInfo{ID: p.id, Role: p.role, Name: p.name} }

// deliver sends native bytes to p, or queues them while p is disconnected.
// Called with h.mu held.
func (h *hub) deliver(p *peer, data []byte) {
	if p.conn != nil && p.conn.send(data) {
		return
	}
	// Disconnected, or its connection is failing and about to be noticed:
	// keep the message for a resume.
	h.hold(p, data)
}

// hold keeps data for p's resume within the bounds: messages and bytes per
// peer, bytes for the whole server. Called with h.mu held.
func (h *hub) hold(p *peer, data []byte) {
	cfg := &h.srv.cfg
	if len(p.pending) >= cfg.ResumeQueue || p.pendingBytes+len(data) > cfg.queueBytes() ||
		int64(h.held+len(data)) > cfg.ResumeTotalBytes {
		h.srv.metrics.queueDrops.Inc()
		return
	}
	p.pending = append(p.pending, data)
	p.pendingBytes += len(data)
	h.held += len(data)
	h.srv.metrics.queueBytes.Add(float64(len(data)))
}

// release empties p's resume queue and returns what it held. Called with
// h.mu held.
func (h *hub) release(p *peer) [][]byte {
	msgs := p.pending
	h.held -= p.pendingBytes
	h.srv.metrics.queueBytes.Sub(float64(p.pendingBytes))
	p.pending, p.pendingBytes = nil, 0
	return msgs
}

// broadcast sends presence to the native peers of r other than except
// (this instance's: the cluster tells the others').
func (h *hub) broadcast(r *room, except *peer, data []byte) {
	for _, q := range r.peers {
		if q != except && q.dialect == dialectNative && q.home == "" {
			h.deliver(q, data)
		}
	}
}

type joinReq struct {
	room, name, resume string
	role               Role
	dialect            dialect
}

// join enters c into a room, resuming a session when req.resume names one
// of that room. It returns the session, whether it was resumed, or an
// error code.
func (h *hub) join(c *conn, req joinReq) (p *peer, resumed bool, code string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c.peer != nil {
		return nil, false, CodeAlreadyJoined
	}
	if old := h.resumes[req.resume]; req.resume != "" && old != nil && old.room.name == req.room {
		h.takeOver(c, old)
		h.greet(old, true)
		if h.cluster != nil {
			h.cluster.setToken(old)
		}
		return old, true, ""
	}
	if h.cluster != nil && req.resume != "" && req.dialect == dialectNative {
		if p, handled, code := h.clusterResume(c, req); handled {
			return p, code == "", code
		}
	}
	if h.cluster != nil {
		return h.clusterJoin(c, req)
	}
	if h.srv.cfg.Redis != "" {
		return nil, false, CodeUnavailable // a Redis URL it could not use
	}
	r := h.rooms[req.room]
	if r == nil {
		r = &room{name: req.room, peers: map[string]*peer{}}
		h.rooms[req.room] = r
		h.srv.metrics.rooms.Inc()
	} else if len(r.peers) >= h.srv.cfg.RoomSize {
		return nil, false, CodeRoomFull
	}
	h.seq++
	p = &peer{id: c.id, role: req.role, name: req.name, room: r, dialect: req.dialect, seq: h.seq, conn: c}
	if req.dialect == dialectNative {
		p.resume = newID()
		h.resumes[p.resume] = p
	}
	h.broadcast(r, nil, encodePeerJoined(p.info()))
	r.peers[p.id] = p
	c.peer = p
	h.srv.metrics.peers.Inc()
	h.srv.metrics.joins.Inc()
	h.greet(p, false)
	return p, false, ""
}

// takeOver moves session p onto connection c. Called with h.mu held.
func (h *hub) takeOver(c *conn, p *peer) {
	if old := p.conn; old != nil {
		// The old connection is still open as far as we know (a dead
		// network path not yet timed out): it loses the session silently.
		old.peer = nil
		old.ws.UnderlyingConn().Close()
	}
	if p.expiry != nil {
		p.expiry.Stop()
		p.expiry = nil
	}
	delete(h.resumes, p.resume)
	p.resume = newID()
	h.resumes[p.resume] = p
	p.conn = c
	c.peer = p
	c.id = p.id
	h.srv.metrics.resumes.Inc()
	h.srv.metrics.joins.Inc()
}

// greet answers a join: a native peer gets its welcome and, when resumed,
// what was queued for it, in order and before anything else can reach it;
// the action dialect gets its id; the role dialect nothing. Called with h.mu held.
func (h *hub) greet(p *peer, resumed bool) {
	switch p.dialect {
	case dialectRole:
		return
	case dialectAction:
		p.conn.send([]byte(`{"action":"start","id":"` + p.id + `"}`))
		return
	}
	peers := make([]PeerInfo, 0, len(p.room.peers)-1)
	for _, q := range p.room.peers {
		if q != p {
			peers = append(peers, q.info())
		}
	}
	p.conn.send(encodeWelcome(p, peers, resumed, h.srv.iceServers(p)))
	for _, m := range h.release(p) {
		p.conn.send(m)
	}
}

// leave ends c's session at once.
func (h *hub) leave(c *conn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c.peer == nil {
		return false
	}
	h.end(c.peer)
	c.peer = nil
	return true
}

// disconnect runs when c's connection has ended.
func (h *hub) disconnect(c *conn, clean bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := c.peer
	if p == nil {
		return
	}
	c.peer = nil
	// A cluster instance that shuts down (a rolling upgrade) keeps its
	// sessions for resume on the other instances; a single server ends
	// them.
	handOff := h.cluster != nil && h.srv.closing()
	if (clean && !handOff) || p.dialect != dialectNative || h.srv.cfg.NoResume || (h.srv.closing() && !handOff) {
		h.end(p)
		return
	}
	p.conn = nil
	// What the connection never wrote goes first, then what came for p
	// since its connection began failing.
	later := h.release(p)
	for _, m := range append(c.unsent(), later...) {
		h.hold(p, m)
	}
	if h.onDetach != nil {
		h.onDetach(p.id)
	}
	p.expiry = time.AfterFunc(h.srv.cfg.ResumeWindow, func() { h.expire(p) })
	h.srv.log.Info("peer disconnected; resume window open", "id", p.id, "room", p.room.name, "window", h.srv.cfg.ResumeWindow)
}

func (h *hub) expire(p *peer) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if p.conn == nil && p.room != nil && p.expiry != nil {
		h.end(p)
	}
}

// end removes p from its room and tells the others. Called with h.mu held.
func (h *hub) end(p *peer) {
	r := p.room
	if r == nil {
		return
	}
	if p.expiry != nil {
		p.expiry.Stop()
		p.expiry = nil
	}
	if p.hand != nil {
		p.hand.timer.Stop()
		p.hand = nil
	}
	delete(h.resumes, p.resume)
	delete(r.peers, p.id)
	h.release(p)
	p.room = nil
	h.srv.metrics.peers.Dec()
	if h.cluster != nil {
		r.local--
		h.cluster.leave(r.name, p.id)
		h.broadcast(r, nil, encodePeerLeft(p.id))
		h.forgetIfRemote(r)
		h.srv.log.Info("peer left", "id", p.id, "room", r.name)
		return
	}
	if len(r.peers) == 0 {
		delete(h.rooms, r.name)
		h.srv.metrics.rooms.Dec()
	} else {
		h.broadcast(r, nil, encodePeerLeft(p.id))
	}
	h.srv.log.Info("peer left", "id", p.id, "room", r.name)
}

// closeAll ends every session; used on server shutdown.
func (h *hub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range h.rooms {
		for _, p := range r.peers {
			if p.expiry != nil {
				p.expiry.Stop()
				p.expiry = nil
			}
		}
	}
}

// relay delivers r inside c's room. It returns an error code, or "".
func (h *hub) relay(c *conn, r *relay, pick target) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := c.peer
	if p == nil {
		return CodeNotJoined
	}
	dst := pick(p, r)
	if dst == nil && h.cluster != nil && r.to != "" {
		dst = h.lookupRemote(p.room, r.to)
		if p.room == nil || c.peer != p {
			return CodeNotJoined // it left while Redis answered
		}
	}
	if dst == nil {
		return CodeUnknownPeer
	}
	r.to = dst.id
	if dst.home == detachedHome {
		h.cluster.queue(p.room.name, dst.id, r.nativeBytes())
		h.srv.metrics.relayedBy[r.kind].Inc()
		return ""
	}
	if dst.home != "" {
		h.cluster.forward(dst.home, p.room.name, r, dst.dialect == dialectNative)
		h.srv.metrics.relayedBy[r.kind].Inc()
		return ""
	}
	if b := r.render(dst); b != nil {
		if dst.hand != nil {
			h.deliverResumed(dst, h.cluster.self, false, b)
		} else {
			h.deliver(dst, b)
		}
	}
	h.srv.metrics.relayedBy[r.kind].Inc()
	return ""
}
