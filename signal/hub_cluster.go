package signal

import (
	"context"
	"errors"
	"time"
)

// The hub's side of a cluster: the rooms of this instance's peers hold the
// peers of other instances too (home set, no conn), as Redis and the
// cluster channel report them.

// detachedHome is the home of a peer whose instance died: it is inside its
// resume window and nothing reaches it.
const detachedHome = "-"

// clusterJoin is join through Redis. Called with h.mu held; it lets go of
// it while Redis answers.
func (h *hub) clusterJoin(c *conn, req joinReq) (*peer, bool, string) {
	if h.srv.clusterErr != nil || !h.cluster.ready.Load() {
		return nil, false, CodeUnavailable
	}
	r := h.viewForJoin(req.room)
	p := &peer{id: c.id, role: req.role, name: req.name, room: r, dialect: req.dialect, conn: c}
	if req.dialect == dialectNative {
		p.resume = newID() // in Redis with the join, before anyone can present it
	}
	h.mu.Unlock()
	members, seq, err := h.cluster.join(req.room, p)
	h.mu.Lock()
	r.joining--
	if err != nil {
		h.forgetIfRemote(r)
		if errors.Is(err, errRoomFull) {
			return nil, false, CodeRoomFull
		}
		h.srv.log.Warn("join through redis failed", "room", req.room, "err", err)
		return nil, false, CodeUnavailable
	}
	if c.closed() {
		// Gone while Redis answered: undo the join.
		h.cluster.leave(req.room, p.id)
		h.forgetIfRemote(r)
		return nil, false, CodeNotJoined
	}
	h.mergeMembers(r, members)
	p.seq = seq
	if p.resume != "" {
		h.resumes[p.resume] = p
	}
	h.broadcast(r, nil, encodePeerJoined(p.info()))
	r.peers[p.id] = p
	r.local++
	c.peer = p
	h.srv.metrics.peers.Inc()
	h.srv.metrics.joins.Inc()
	h.greet(p, false)
	return p, false, ""
}

// mergeMembers adds to r the members of other instances a join reply
// lists that r lacks, telling this instance's peers: their own
// peer-joined may already have been applied, or still be on its way (then
// it finds them known). This instance's own members in the reply are
// peers still joining, which announce themselves. Called with h.mu held.
func (h *hub) mergeMembers(r *room, members []member) {
	for _, m := range members {
		if m.home == h.cluster.self || r.peers[m.id] != nil || r.gone[m.id] {
			continue
		}
		q := h.addRemote(r, m)
		h.broadcast(r, nil, encodePeerJoined(q.info()))
	}
	if r.joining == 0 {
		r.gone = nil
	}
}

// viewForJoin is this instance's view of room, made if need be, with one
// more join waiting for Redis. Called with h.mu held.
func (h *hub) viewForJoin(name string) *room {
	r := h.rooms[name]
	if r == nil {
		r = &room{name: name, peers: map[string]*peer{}}
		h.rooms[name] = r
		h.srv.metrics.rooms.Inc()
	}
	r.joining++
	return r
}

func (h *hub) addRemote(r *room, m member) *peer {
	home := m.home
	if home == "" {
		home = detachedHome
	}
	q := &peer{id: m.id, role: m.role, name: m.name, room: r, dialect: m.dialect, seq: m.seq, home: home}
	r.peers[m.id] = q
	h.srv.metrics.clusterPeers.Inc()
	return q
}

// remoteJoined: another instance's peer m joined room.
func (h *hub) remoteJoined(room string, m member) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.rooms[room]
	if r == nil {
		return
	}
	delete(r.gone, m.id)
	if q := r.peers[m.id]; q != nil {
		if q.home != "" && m.home != "" {
			q.home = m.home
		}
		return
	}
	q := h.addRemote(r, m)
	h.broadcast(r, nil, encodePeerJoined(q.info()))
}

// remoteLeft: another instance's peer id left room.
func (h *hub) remoteLeft(room, id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.rooms[room]
	if r == nil {
		return
	}
	if r.joining > 0 {
		if r.gone == nil {
			r.gone = map[string]bool{}
		}
		r.gone[id] = true
	}
	q := r.peers[id]
	if q == nil || q.home == "" {
		return
	}
	delete(r.peers, id)
	h.srv.metrics.clusterPeers.Dec()
	h.broadcast(r, nil, encodePeerLeft(id))
	h.forgetIfRemote(r)
}

// remoteRelay delivers a message instance inst relayed to one of ours;
// forwarded, it comes through the peer's old home after a resume.
func (h *hub) remoteRelay(room string, rl *relay, inst string, forwarded bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.rooms[room]
	if r == nil {
		return
	}
	dst := r.peers[rl.to]
	if dst != nil && dst.home != "" && dst.home != detachedHome {
		// Resumed elsewhere since it was sent: on to its new home, in
		// the order it came.
		h.cluster.forwardOn(dst.home, room, rl)
		return
	}
	if dst == nil || dst.home != "" {
		h.srv.log.Debug("relayed message for a peer not here", "to", rl.to, "room", room)
		return
	}
	b := rl.native
	if rl.kind != "raw" {
		b = rl.render(dst)
	}
	if b != nil {
		h.deliverResumed(dst, inst, forwarded, b)
	}
	if c := h.srv.metrics.relayedBy[rl.kind]; c != nil { // not "raw": counted when first relayed
		c.Inc()
	}
}

// forgetIfRemote drops the view of a room with no peers of this instance
// and no joins on the way. Called with h.mu held.
func (h *hub) forgetIfRemote(r *room) {
	if r.local > 0 || r.joining > 0 || h.rooms[r.name] != r {
		return
	}
	h.srv.metrics.clusterPeers.Sub(float64(len(r.peers)))
	delete(h.rooms, r.name)
	h.srv.metrics.rooms.Dec()
}

// remoteHomes are the instances hosting peers of this one's rooms.
func (h *hub) remoteHomes() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	seen := map[string]bool{}
	var homes []string
	for _, r := range h.rooms {
		for _, q := range r.peers {
			if q.home != "" && q.home != detachedHome && !seen[q.home] {
				seen[q.home] = true
				homes = append(homes, q.home)
			}
		}
	}
	return homes
}

// localMembers are this instance's peers, by room.
func (h *hub) localMembers() map[string][]*peer {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string][]*peer{}
	for name, r := range h.rooms {
		for _, p := range r.peers {
			if p.home == "" {
				out[name] = append(out[name], p)
			}
		}
	}
	return out
}

// mergeRemote adds the members of other instances Redis lists for room
// that this instance did not know, and tells its peers.
func (h *hub) mergeRemote(room string, ms []member) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.rooms[room]
	if r == nil {
		return
	}
	for _, m := range ms {
		if r.peers[m.id] == nil {
			q := h.addRemote(r, m)
			h.broadcast(r, nil, encodePeerJoined(q.info()))
		}
	}
}

// lookupRemote asks Redis for member id of r, which this instance has not
// heard of yet: it may have joined on another instance a moment ago, its
// peer-joined still on the way. Called with h.mu held; lets go of it while
// Redis answers.
func (h *hub) lookupRemote(r *room, id string) *peer {
	h.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	v, err := h.cluster.rdb.HGet(ctx, roomKey(r.name), id).Result()
	cancel()
	h.mu.Lock()
	m, ok := parseMember(id, v)
	if err != nil || !ok || m.home == h.cluster.self || h.rooms[r.name] != r {
		return nil
	}
	if q := r.peers[id]; q != nil {
		return q
	}
	q := h.addRemote(r, m)
	h.broadcast(r, nil, encodePeerJoined(q.info()))
	return q
}
