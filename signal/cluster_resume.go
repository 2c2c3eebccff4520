package signal

import (
	"encoding/json"
	"time"
)

// Resume on any instance. Every native peer's resume token is in Redis
// (wcli:resume:TOKEN -> "ROOM\nID", wcli:tokens "ROOM\nID" -> TOKEN). An
// instance given a token it does not know claims the session with a
// script: it becomes the peer's home, and every other member's instance
// hears "attached". The old home, if alive, closes the old connection and
// forwards what it held for the peer, then whatever still reaches it. So
// that nothing is reordered, each instance that had the peer in its rooms
// sends a fence through the old home once it routes to the new one, and
// the new home holds what comes straight from an instance until that
// instance's fence arrives (or handoverLimit passes).

// handoverLimit bounds how long a resumed peer's messages wait for the
// fences of the instances that may still be routing to its old home.
const handoverLimit = 2 * time.Second

// handover is a resumed peer's wait for fences.
type handover struct {
	old     string              // the old home
	waiting map[string]bool     // instances whose fence has not come
	held    map[string][][]byte // what came straight from them meanwhile
	timer   *time.Timer
}

// queue keeps data in Redis for peer id of room, whose instance died,
// within the resume queue's bounds. It does not wait.
func (c *cluster) queue(room, id string, data []byte) {
	c.run(&clusterCmd{script: queueScript, args: []any{room + "\n" + id, data, c.srv.cfg.ResumeQueue, c.srv.cfg.queueBytes(), c.tokenTTL()}})
}

// remoteDetached: peer id of room lost its instance; what is sent to it
// is queued in Redis until it resumes somewhere or its window ends.
func (h *hub) remoteDetached(room, id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r := h.rooms[room]; r != nil {
		if q := r.peers[id]; q != nil && q.home != "" {
			q.home = detachedHome
		}
	}
}

// setToken records p's current resume token in Redis (replacing its
// last one). It does not wait.
func (c *cluster) setToken(p *peer) {
	if p.dialect != dialectNative {
		return
	}
	c.run(&clusterCmd{script: tokenScript, args: []any{p.room.name + "\n" + p.id, p.resume, c.tokenTTL()}})
}

// tokenTTL is how long Redis keeps a resume token (s): a session that is
// gone for longer is not resumed, and nothing of it stays.
func (c *cluster) tokenTTL() int64 {
	return int64((c.srv.cfg.ResumeWindow + c.srv.cfg.HeartbeatTimeout + 24*time.Hour).Seconds())
}

// claim takes the session of token in room for this instance. It returns
// the peer's member record, its old home ("" when that died) and the
// room's members, or ok false when Redis knows no such session.
func (c *cluster) claim(room, token, newToken string) (m member, old string, members []member, queued [][]byte, ok bool, err error) {
	r := c.run(&clusterCmd{script: claimScript, args: []any{token, room, c.self, newToken, c.tokenTTL()}, reply: make(chan clusterReply, 1)})
	if r.err != nil {
		return m, "", nil, nil, false, r.err
	}
	vals, _ := r.val.([]any)
	if len(vals) < 4 {
		return m, "", nil, nil, false, nil
	}
	id, _ := vals[0].(string)
	v, _ := vals[1].(string)
	old, _ = vals[2].(string)
	nq, _ := vals[3].(int64)
	m, ok = parseMember(id, v)
	rest := vals[4:]
	for i := 0; i < int(nq) && i < len(rest); i++ {
		s, _ := rest[i].(string)
		queued = append(queued, []byte(s))
	}
	vals = rest[min(int(nq), len(rest)):]
	for i := 0; i+1 < len(vals); i += 2 {
		mid, _ := vals[i].(string)
		mv, _ := vals[i+1].(string)
		if mm, ok := parseMember(mid, mv); ok && mid != id {
			members = append(members, mm)
		}
	}
	return m, old, members, queued, ok, nil
}

// fence tells the old home of a resumed peer that this instance routes
// to its new home from now on.
func (c *cluster) fence(oldHome, room, id, from string) {
	c.run(&clusterCmd{keys: []string{instChannel(oldHome)}, args: []any{"F\n" + room + "\n" + id + "\n" + from}})
}

// forwardRaw sends bytes held for a peer to its new home, ahead of
// anything else.
func (c *cluster) forwardRaw(home, room, id string, data []byte) {
	b, _ := json.Marshal(wire{Kind: "raw", To: id, Room: room, Native: string(data), Fw: true})
	c.run(&clusterCmd{keys: []string{instChannel(home)}, args: []any{append([]byte("m\n"), b...)}})
}

// clusterResume is a resume of a session this instance does not hold.
// Called with h.mu held; lets go of it while Redis answers. ok false: no
// such session anywhere, join afresh.
func (h *hub) clusterResume(c *conn, req joinReq) (p *peer, ok bool, code string) {
	if h.srv.clusterErr != nil || !h.cluster.ready.Load() {
		return nil, true, CodeUnavailable
	}
	r := h.viewForJoin(req.room)
	token := newID()
	h.mu.Unlock()
	m, old, members, queued, found, err := h.cluster.claim(req.room, req.resume, token)
	h.mu.Lock()
	r.joining--
	if err != nil || !found {
		h.forgetIfRemote(r)
		if err != nil {
			h.srv.log.Warn("resume through redis failed", "room", req.room, "err", err)
			return nil, true, CodeUnavailable
		}
		return nil, false, ""
	}
	if c.closed() {
		h.forgetIfRemote(r) // its session waits in Redis for another resume
		return nil, true, CodeNotJoined
	}
	h.mergeMembers(r, members)
	if q := r.peers[m.id]; q != nil && q.home != "" {
		delete(r.peers, m.id) // our view of it as another instance's
		h.srv.metrics.clusterPeers.Dec()
	}
	p = &peer{id: m.id, role: m.role, name: m.name, room: r, dialect: m.dialect, seq: m.seq, conn: c}
	p.resume = token
	h.resumes[p.resume] = p
	r.peers[p.id] = p
	r.local++
	c.peer, c.id = p, p.id
	if old != "" && old != h.cluster.self {
		hv := &handover{old: old, waiting: map[string]bool{h.cluster.self: true}, held: map[string][][]byte{}}
		for _, q := range r.peers {
			if q.home != "" && q.home != detachedHome && q.home != old {
				hv.waiting[q.home] = true
			}
		}
		hv.timer = time.AfterFunc(handoverLimit, func() { h.endHandover(p, "") })
		p.hand = hv
		h.cluster.fence(old, r.name, p.id, h.cluster.self)
	}
	for _, b := range queued {
		h.hold(p, b) // greet sends them right after the welcome
	}
	h.srv.metrics.peers.Inc()
	h.srv.metrics.resumes.Inc()
	h.srv.metrics.joins.Inc()
	h.greet(p, true)
	h.srv.log.Info("session resumed from another instance", "id", p.id, "room", r.name, "from", old)
	return p, true, ""
}

// deliverResumed delivers data to p, a resumed peer whose handover may
// still be on: what comes straight from an instance (from) whose fence
// is due waits for it. Called with h.mu held.
func (h *hub) deliverResumed(p *peer, from string, forwarded bool, data []byte) {
	if hv := p.hand; hv != nil && !forwarded && hv.waiting[from] {
		hv.held[from] = append(hv.held[from], data)
		return
	}
	h.deliver(p, data)
}

// endHandover releases what waited for from's fence, or for every fence
// when from is "" (the limit passed).
func (h *hub) endHandover(p *peer, from string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	hv := p.hand
	if hv == nil {
		return
	}
	for inst := range hv.waiting {
		if from != "" && inst != from {
			continue
		}
		for _, b := range hv.held[inst] {
			h.deliver(p, b)
		}
		delete(hv.held, inst)
		delete(hv.waiting, inst)
	}
	if len(hv.waiting) == 0 {
		hv.timer.Stop()
		p.hand = nil
	}
}

// remoteAttached: peer id of room resumed on instance home.
func (h *hub) remoteAttached(room, id, home string, m member) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.rooms[room]
	if r == nil {
		return
	}
	q := r.peers[id]
	switch {
	case q == nil:
		q = h.addRemote(r, m)
		h.broadcast(r, nil, encodePeerJoined(q.info()))
	case q.home == "":
		h.giveAway(q, home)
	default:
		old := q.home
		q.home = home
		if old != detachedHome && old != home {
			h.cluster.fence(old, room, id, h.cluster.self)
		}
	}
}

// giveAway hands local peer p, resumed on instance home, over: its old
// connection closes without a word, and what was held for it goes there
// first. Called with h.mu held.
func (h *hub) giveAway(p *peer, home string) {
	r := p.room
	var held [][]byte
	if old := p.conn; old != nil {
		old.peer = nil
		held = append(held, old.unsent()...)
		old.ws.UnderlyingConn().Close()
		p.conn = nil
	}
	if p.expiry != nil {
		p.expiry.Stop()
		p.expiry = nil
	}
	held = append(held, h.release(p)...)
	for _, b := range held {
		h.cluster.forwardRaw(home, r.name, p.id, b)
	}
	delete(h.resumes, p.resume)
	p.home = home
	r.local--
	h.srv.metrics.peers.Dec()
	h.srv.metrics.clusterPeers.Inc()
	h.srv.log.Info("session resumed on another instance", "id", p.id, "room", r.name, "instance", home)
}

// remoteFence: instance from routes to id's new home now. At the old home
// it goes on to the new one behind what it forwarded; at the new home it
// releases what waited for it.
func (h *hub) remoteFence(room, id, from string) {
	h.mu.Lock()
	r := h.rooms[room]
	var p *peer
	if r != nil {
		p = r.peers[id]
	}
	if p == nil {
		h.mu.Unlock()
		return
	}
	if p.home != "" && p.home != detachedHome {
		home := p.home
		h.mu.Unlock()
		h.cluster.run(&clusterCmd{keys: []string{instChannel(home)}, args: []any{"F\n" + room + "\n" + id + "\n" + from}})
		return
	}
	h.mu.Unlock()
	h.endHandover(p, from)
}

// queueScript: ARGV "ROOM\nID", message, most messages, most bytes,
// seconds to keep them.
const queueScript = `
local q, qb = 'wcli:q:' .. ARGV[1], 'wcli:qb:' .. ARGV[1]
local bytes = tonumber(redis.call('GET', qb) or '0')
if redis.call('LLEN', q) >= tonumber(ARGV[3]) or bytes + #ARGV[2] > tonumber(ARGV[4]) then return 0 end
redis.call('RPUSH', q, ARGV[2])
redis.call('INCRBY', qb, #ARGV[2])
redis.call('EXPIRE', q, ARGV[5])
redis.call('EXPIRE', qb, ARGV[5])
return 1
`

// tokenScript: ARGV "ROOM\nID", token, seconds to keep it.
const tokenScript = `
local old = redis.call('HGET', 'wcli:tokens', ARGV[1])
if old then redis.call('DEL', 'wcli:resume:' .. old) end
redis.call('HSET', 'wcli:tokens', ARGV[1], ARGV[2])
redis.call('SET', 'wcli:resume:' .. ARGV[2], ARGV[1], 'EX', ARGV[3])
return 1
`

// claimScript: ARGV token, room, our instance, the session's next token,
// its lifetime (s). It makes us the session's
// home, tells the other members' instances ("a"), and returns id, value,
// old home, then the room (id, value, ...); nothing when there is no
// such session in that room.
const claimScript = luaPrelude + `
local e = redis.call('GET', 'wcli:resume:' .. ARGV[1])
if not e then return {} end
local room, id = string.match(e, '^([^\n]*)\n(.*)$')
if room ~= ARGV[2] then return {} end
local key = 'wcli:room:' .. room
local v = redis.call('HGET', key, id)
if not v then return {} end
local old = homeOf(v)
if old == ARGV[3] then return {} end
redis.call('DEL', 'wcli:resume:' .. ARGV[1])
redis.call('HSET', 'wcli:tokens', e, ARGV[4])
redis.call('SET', 'wcli:resume:' .. ARGV[4], e, 'EX', ARGV[5])
redis.call('ZREM', 'wcli:detached', e)
if old ~= '' then redis.call('SREM', 'wcli:ipeers:' .. old, e) end
redis.call('SADD', 'wcli:ipeers:' .. ARGV[3], e)
local nv = ARGV[3] .. (string.gsub(v, '^[^|]*', '', 1))
redis.call('HSET', key, id, nv)
local event = 'a\n' .. room .. '\n' .. id .. '\n' .. nv
local told = tell(key, {[ARGV[3]] = true}, event)
if old ~= '' and not told[old] then redis.call('PUBLISH', 'wcli:i:' .. old, event) end
if old ~= '' and redis.call('EXISTS', 'wcli:alive:' .. old) == 0 then
  old = '' -- gone: nothing to forward, no fences to wait for
end
local q = redis.call('LRANGE', 'wcli:q:' .. e, 0, -1)
redis.call('DEL', 'wcli:q:' .. e, 'wcli:qb:' .. e)
local out = {id, nv, old, #q}
for _, x in ipairs(q) do out[#out + 1] = x end
for _, x in ipairs(redis.call('HGETALL', key)) do out[#out + 1] = x end
return out
`
