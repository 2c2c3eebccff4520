package signal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// A cluster makes several Servers one through Redis. Each instance keeps
// its own peers (their connections, resume windows and queues) as a
// single server does, and Redis holds what they share:
//
//	wcli:room:ROOM     hash, member id -> "HOME|SEQ|ROLE|DIALECT|NAME"
//	wcli:ipeers:INST   set of "ROOM\nID" an instance hosts
//	wcli:alive:INST    the instance's heartbeat, expiring
//	wcli:detached      sorted set of "ROOM\nID" of a dead instance, by when
//	                   their resume window ends
//	wcli:seq           join order, for the role dialect
//
// and each instance listens on its channel wcli:i:INST. Joins and leaves
// are Lua scripts that change the room and publish the change to the
// instances of the other members in one step, so a room is never over its
// size and every member hears of every change exactly once. An instance
// sends all it publishes, scripts and relayed messages, in order over one
// connection, and reads its channel on one: messages from one peer to
// another keep their order, and a peer-joined goes before anything its
// peer sends.
type cluster struct {
	srv  *Server
	rdb  *redis.Client
	self string
	log  *slog.Logger

	cmds       chan *clusterCmd
	ready      atomic.Bool // Redis answers and our channel is subscribed
	subscribed atomic.Bool
	beating    atomic.Bool  // the last heartbeat was written
	wasReady   atomic.Bool  // ready at least once: a later ready is a recovery
	reapAfter  atomic.Int64 // unix ms: no reaping before, after a recovery

	mu        sync.Mutex
	leaves    [][2]string // room, id: leaves Redis has not taken yet
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	stopped   chan struct{} // the ordered sender has ended
	closeOnce sync.Once
	sub       *redis.PubSub
}

// clusterCmd is a command for the ordered connection: a script, or a
// PUBLISH when script is nil.
type clusterCmd struct {
	reconnect bool // not a command: take a fresh connection first
	script    string
	keys      []string
	args      []any
	reply     chan clusterReply // nil when nobody waits
}

type clusterReply struct {
	val any
	err error
}

const (
	keyPrefix       = "wcli:"
	clusterQueueLen = 1 << 16
)

func roomKey(room string) string   { return keyPrefix + "room:" + room }
func instChannel(id string) string { return keyPrefix + "i:" + id }

// newCluster connects to the Redis at url (redis:// or rediss://, user and
// password in the URL). It connects in the background: ready says when
// joins can be taken.
func newCluster(s *Server, url string) (*cluster, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis URL: %w", err)
	}
	opt.ClientName = "webrtc-cli"
	ctx, cancel := context.WithCancel(context.Background())
	c := &cluster{srv: s, rdb: redis.NewClient(opt), self: newID(), log: s.log.With("instance", ""),
		cmds: make(chan *clusterCmd, clusterQueueLen), ctx: ctx, cancel: cancel, stopped: make(chan struct{})}
	c.log = s.log.With("instance", c.self)
	c.sub = c.rdb.Subscribe(ctx, instChannel(c.self))
	c.wg.Add(3)
	go c.sendLoop()
	go c.receiveLoop(c.sub)
	go c.heartbeatLoop()
	return c, nil
}

// close stops the instance's part of the cluster: what is queued is sent
// (bounded by ctx), its heartbeat and peer set go.
func (c *cluster) close(ctx context.Context) {
	c.closeOnce.Do(func() { c.shutdown(ctx) })
}

func (c *cluster) shutdown(ctx context.Context) {
	close(c.cmds)
	select {
	case <-c.stopped:
	case <-ctx.Done():
	}
	dctx, cancel := context.WithTimeout(ctx, time.Second)
	c.rdb.Del(dctx, keyPrefix+"alive:"+c.self)
	cancel()
	c.cancel()
	c.sub.Close() // ends a Receive that ctx does not
	c.wg.Wait()
	c.rdb.Close()
}

// run queues cmd for the ordered connection and, when it has a reply
// channel, waits for the answer.
func (c *cluster) run(cmd *clusterCmd) clusterReply {
	defer func() { recover() }() // a send on cmds after close: shutting down
	c.cmds <- cmd
	if cmd.reply == nil {
		return clusterReply{}
	}
	select {
	case r := <-cmd.reply:
		return r
	case <-c.ctx.Done():
		return clusterReply{err: c.ctx.Err()}
	}
}

// sendLoop runs the queued commands in order on one connection, as many
// at a time as are queued, in one pipeline.
func (c *cluster) sendLoop() {
	defer c.wg.Done()
	defer close(c.stopped)
	conn := c.rdb.Conn()
	defer func() { conn.Close() }()
	for cmd := range c.cmds {
		if cmd.reconnect {
			conn.Close()
			conn = c.rdb.Conn()
			continue
		}
		batch := []*clusterCmd{cmd}
	more:
		for len(batch) < 256 {
			select {
			case next, ok := <-c.cmds:
				if !ok {
					break more
				}
				if next.reconnect {
					c.flush(conn, batch)
					conn.Close()
					conn = c.rdb.Conn()
					batch = nil
					continue
				}
				batch = append(batch, next)
			default:
				break more
			}
		}
		if len(batch) > 0 && !c.flush(conn, batch) {
			// The connection may be broken (Redis restarted): the next
			// batch goes on a fresh one.
			conn.Close()
			conn = c.rdb.Conn()
		}
	}
}

// flush runs batch and reports whether the connection worked.
func (c *cluster) flush(conn *redis.Conn, batch []*clusterCmd) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	results := make([]redis.Cmder, len(batch))
	start := time.Now()
	_, err := conn.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, cmd := range batch {
			if cmd.script == "" {
				results[i] = p.Publish(ctx, cmd.keys[0], cmd.args[0])
			} else {
				results[i] = p.Eval(ctx, cmd.script, cmd.keys, cmd.args...)
			}
		}
		return nil
	})
	c.srv.metrics.redisLatency.Observe(time.Since(start).Seconds())
	var rerr redis.Error
	connOK := err == nil || errors.Is(err, redis.Nil) || errors.As(err, &rerr) // a script's error is Redis answering
	if err != nil && !errors.Is(err, redis.Nil) {
		c.srv.metrics.redisErrors.Inc()
		c.log.Warn("redis command failed", "err", err, "commands", len(batch))
	}
	for i, cmd := range batch {
		if cmd.script == "" {
			c.srv.metrics.redisPublished.Inc()
		}
		if cmd.script == leaveScript && results[i].Err() != nil && !errors.Is(results[i].Err(), redis.Nil) {
			c.mu.Lock()
			c.leaves = append(c.leaves, [2]string{cmd.args[2].(string), cmd.args[0].(string)})
			c.mu.Unlock()
		}
		if cmd.reply == nil {
			continue
		}
		r := clusterReply{err: results[i].Err()}
		if ev, ok := results[i].(*redis.Cmd); ok && r.err == nil {
			r.val = ev.Val()
		}
		cmd.reply <- r
	}
	return connOK
}

// receiveLoop applies what other instances publish to our channel, in
// order.
func (c *cluster) receiveLoop(sub *redis.PubSub) {
	defer c.wg.Done()
	defer sub.Close()
	for {
		msg, err := sub.Receive(c.ctx)
		if c.ctx.Err() != nil {
			return
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			c.log.Debug("listening on the cluster channel", "channel", m.Channel)
			c.subscribed.Store(true)
			c.updateReady()
		case *redis.Message:
			c.srv.metrics.redisReceived.Inc()
			c.apply(m.Payload)
		default:
			if err != nil {
				c.holdReaping()
				c.subscribed.Store(false)
				c.updateReady()
				c.srv.metrics.redisErrors.Inc()
				c.log.Warn("redis: the cluster channel is down; retrying", "err", err)
				select {
				case <-time.After(500 * time.Millisecond):
				case <-c.ctx.Done():
					return
				}
			}
		}
	}
}

func (c *cluster) updateReady() {
	ok := c.subscribed.Load() && c.beating.Load()
	if c.ready.Swap(ok) != ok {
		if ok {
			c.log.Info("redis reachable: serving as part of the cluster")
			if c.wasReady.Swap(true) {
				// Back after an outage: Redis may have restarted empty,
				// the other instances' heartbeats with it; give them
				// time to beat again before taking them for dead.
				c.reapAfter.Store(time.Now().Add(c.srv.cfg.HeartbeatTimeout).UnixMilli())
				c.wg.Add(1)
				go func() {
					defer c.wg.Done()
					c.refill()
				}()
			}
		} else {
			c.log.Warn("redis unreachable: refusing joins until it is back")
		}
	}
}

// heartbeatLoop keeps our alive key and finds the instances that died.
func (c *cluster) heartbeatLoop() {
	defer c.wg.Done()
	t := time.NewTicker(c.srv.cfg.HeartbeatInterval)
	defer t.Stop()
	for {
		ctx, cancel := context.WithTimeout(c.ctx, c.srv.cfg.HeartbeatInterval)
		err := c.rdb.Set(ctx, keyPrefix+"alive:"+c.self, strconv.FormatInt(time.Now().UnixMilli(), 10), c.srv.cfg.HeartbeatTimeout).Err()
		if err == nil {
			c.reap(ctx)
		}
		cancel()
		if c.ctx.Err() != nil {
			return
		}
		if err != nil {
			c.srv.metrics.redisErrors.Inc()
			c.holdReaping()
		}
		c.beating.Store(err == nil)
		c.updateReady()
		select {
		case <-t.C:
		case <-c.ctx.Done():
			return
		}
	}
}

// reap detaches the peers of the instances hosting members of our rooms
// whose heartbeat has expired, and ends those whose resume window is
// over. Any instance may; the scripts make it happen once.
// holdReaping keeps this instance from taking others for dead until a
// heartbeat timeout after now: while it cannot reach Redis, and just after,
// their heartbeats may be missing for reasons of its own (a Redis that
// restarted empty).
func (c *cluster) holdReaping() {
	c.reapAfter.Store(time.Now().Add(c.srv.cfg.HeartbeatTimeout).UnixMilli())
}

func (c *cluster) reap(ctx context.Context) {
	if time.Now().UnixMilli() < c.reapAfter.Load() {
		return
	}
	for _, home := range c.srv.hub.remoteHomes() {
		n, err := c.rdb.Eval(ctx, reapScript, nil, home, time.Now().Add(c.srv.cfg.ResumeWindow).UnixMilli()).Int()
		if err != nil {
			c.log.Warn("redis: reaping an instance failed", "dead", home, "err", err)
			continue
		}
		if n > 0 {
			c.log.Info("an instance stopped answering; its peers' resume window is open", "dead", home, "peers", n)
		}
	}
	if err := c.rdb.Eval(ctx, sweepScript, nil, time.Now().UnixMilli()).Err(); err != nil && !errors.Is(err, redis.Nil) {
		c.log.Warn("redis: ending expired sessions failed", "err", err)
	}
}

// member is what Redis holds of a peer.
type member struct {
	id, home string
	seq      uint64
	role     Role
	dialect  dialect
	name     string
}

func memberValue(home string, p *peer) string {
	return fmt.Sprintf("%s|%d|%s|%d|%s", home, p.seq, p.role, p.dialect, p.name)
}

func parseMember(id, v string) (member, bool) {
	f := strings.SplitN(v, "|", 5)
	if len(f) != 5 {
		return member{}, false
	}
	seq, err1 := strconv.ParseUint(f[1], 10, 64)
	d, err2 := strconv.Atoi(f[3])
	if err1 != nil || err2 != nil {
		return member{}, false
	}
	return member{id: id, home: f[0], seq: seq, role: Role(f[2]), dialect: dialect(d), name: f[4]}, true
}

var errRoomFull = errors.New("room full")

// join adds p to its room in Redis, unless the room is full, and tells the
// other members' instances. It returns the members before p.
func (c *cluster) join(room string, p *peer) ([]member, uint64, error) {
	r := c.run(&clusterCmd{script: joinScript, keys: []string{roomKey(room)},
		args:  []any{p.id, fmt.Sprintf("|%s|%d|%s", p.role, p.dialect, p.name), c.srv.cfg.RoomSize, c.self, room, p.resume, c.tokenTTL()},
		reply: make(chan clusterReply, 1)})
	if r.err != nil {
		return nil, 0, r.err
	}
	vals, ok := r.val.([]any)
	if !ok || len(vals) == 0 {
		return nil, 0, errRoomFull
	}
	seq, _ := vals[0].(int64)
	var ms []member
	for i := 1; i+1 < len(vals); i += 2 {
		id, _ := vals[i].(string)
		v, _ := vals[i+1].(string)
		if m, ok := parseMember(id, v); ok {
			ms = append(ms, m)
		}
	}
	return ms, uint64(seq), nil
}

// leave removes id from room in Redis and tells the other members'
// instances; it does not wait.
func (c *cluster) leave(room, id string) {
	c.run(&clusterCmd{script: leaveScript, keys: []string{roomKey(room)}, args: []any{id, c.self, room}})
}

// refill puts this instance's peers back into Redis after an outage (a
// Redis that restarted empty has lost them), tells the other members'
// instances, and learns the members the others put back; leaves that
// failed meanwhile are made again.
func (c *cluster) refill() {
	// The ordered connection may have died with Redis: start afresh.
	c.run(&clusterCmd{reconnect: true})
	c.mu.Lock()
	leaves := c.leaves
	c.leaves = nil
	c.mu.Unlock()
	for _, l := range leaves {
		c.leave(l[0], l[1])
	}
	failed := 0
	for room, locals := range c.srv.hub.localMembers() {
		args := []any{c.self, room}
		for _, p := range locals {
			args = append(args, p.id, memberValue(c.self, p))
		}
		r := c.run(&clusterCmd{script: refillScript, keys: []string{roomKey(room)}, args: args, reply: make(chan clusterReply, 1)})
		if r.err != nil {
			c.log.Warn("redis: putting this instance's peers back failed", "room", room, "err", r.err)
			failed++
			continue
		}
		for _, p := range locals {
			c.setToken(p) // a Redis that restarted lost the resume tokens too
		}
		vals, _ := r.val.([]any)
		var ms []member
		for i := 0; i+1 < len(vals); i += 2 {
			id, _ := vals[i].(string)
			v, _ := vals[i+1].(string)
			if m, ok := parseMember(id, v); ok && m.home != c.self {
				ms = append(ms, m)
			}
		}
		c.srv.hub.mergeRemote(room, ms)
	}
	if failed == 0 {
		c.log.Info("redis back: this instance's peers are in it again")
	}
}

// wire is a relayed message between instances.
type wire struct {
	Kind   string          `json:"k"`
	From   string          `json:"f"`
	To     string          `json:"t"`
	Room   string          `json:"r"`
	SDP    json.RawMessage `json:"s,omitempty"`
	Desc   json.RawMessage `json:"d,omitempty"`
	Cand   json.RawMessage `json:"c,omitempty"`
	Native string          `json:"n,omitempty"`
	Inst   string          `json:"i,omitempty"` // the instance that routed it
	Fw     bool            `json:"w,omitempty"` // forwarded by the recipient's old home
}

// forward sends r to its recipient's instance home. To a native peer it
// goes as the bytes that peer will get, behind a short header; to the
// tutorial dialects as JSON, to be rendered there.
func (c *cluster) forward(home, room string, r *relay, native bool) {
	if native {
		b := r.nativeBytes()
		msg := make([]byte, 0, len(b)+len(room)+len(r.to)+len(r.kind)+len(c.self)+8)
		msg = append(msg, "n\n"...)
		for _, f := range []string{room, r.to, r.kind, c.self} {
			msg = append(append(msg, f...), '\n')
		}
		c.run(&clusterCmd{keys: []string{instChannel(home)}, args: []any{append(msg, b...)}})
		return
	}
	c.sendWire(home, room, r, false)
}

// forwardOn sends on a message that reached a peer's old home, marked
// forwarded: it goes before what the new home holds back.
func (c *cluster) forwardOn(home, room string, r *relay) { c.sendWire(home, room, r, true) }

// sendWire sends r to instance home as JSON, whatever its recipient's
// dialect.
func (c *cluster) sendWire(home, room string, r *relay, forwarded bool) {
	w := wire{Kind: r.kind, From: r.from, To: r.to, Room: room, SDP: r.sdp, Desc: r.desc, Cand: r.cand, Fw: forwarded}
	if !forwarded {
		w.Inst = c.self
	}
	if r.native != nil {
		w.Native = string(r.native)
	}
	b, _ := json.Marshal(w)
	c.run(&clusterCmd{keys: []string{instChannel(home)}, args: []any{append([]byte("m\n"), b...)}})
}

// apply handles one message from another instance.
func (c *cluster) apply(payload string) {
	kind, rest, _ := strings.Cut(payload, "\n")
	switch kind {
	case "j": // ROOM\nID\nVALUE
		f := strings.SplitN(rest, "\n", 3)
		if len(f) != 3 {
			return
		}
		if m, ok := parseMember(f[1], f[2]); ok {
			c.srv.hub.remoteJoined(f[0], m)
		}
	case "l": // ROOM\nID
		room, id, _ := strings.Cut(rest, "\n")
		c.srv.hub.remoteLeft(room, id)
	case "n": // ROOM\nTO\nKIND\nINST\nNATIVE
		f := strings.SplitN(rest, "\n", 5)
		if len(f) != 5 {
			return
		}
		r := &relay{kind: f[2], to: f[1], native: []byte(f[4])}
		c.srv.hub.remoteRelay(f[0], r, f[3], false)
	case "m":
		var w wire
		if json.Unmarshal([]byte(rest), &w) != nil {
			return
		}
		r := &relay{kind: w.Kind, from: w.From, to: w.To, sdp: w.SDP, desc: w.Desc, cand: w.Cand}
		if w.Native != "" {
			r.native = []byte(w.Native)
		}
		c.srv.hub.remoteRelay(w.Room, r, w.Inst, w.Fw)
	case "a": // ROOM\nID\nVALUE: resumed on the instance VALUE names
		f := strings.SplitN(rest, "\n", 3)
		if len(f) != 3 {
			return
		}
		if m, ok := parseMember(f[1], f[2]); ok {
			c.srv.hub.remoteAttached(f[0], f[1], m.home, m)
		}
	case "d": // ROOM\nID: its instance died; queue for it in Redis
		room, id, _ := strings.Cut(rest, "\n")
		c.srv.hub.remoteDetached(room, id)
	case "F": // ROOM\nID\nFROM
		f := strings.SplitN(rest, "\n", 3)
		if len(f) == 3 {
			c.srv.hub.remoteFence(f[0], f[1], f[2])
		}
	}
}

// luaPrelude is what the scripts share. A member record is
// "HOME|SEQ|ROLE|DIALECT|NAME"; ENTRY is "ROOM\nID".
const luaPrelude = `
local function homeOf(v) return string.match(v, '^([^|]*)|') end
-- tell publishes event to the instance of every member of room key but
-- those in skip (instance -> true); members without one (detached) hear
-- nothing. It returns the instances told or skipped.
local function tell(key, skip, event)
  local told = {}
  for k in pairs(skip) do told[k] = true end
  for _, v in ipairs(redis.call('HVALS', key)) do
    local h = homeOf(v)
    if h ~= '' and not told[h] then
      told[h] = true
      redis.call('PUBLISH', 'wcli:i:' .. h, event)
    end
  end
  return told
end
-- forgetToken drops the resume token of entry.
local function forgetToken(entry)
  local tok = redis.call('HGET', 'wcli:tokens', entry)
  if tok then
    redis.call('DEL', 'wcli:resume:' .. tok)
    redis.call('HDEL', 'wcli:tokens', entry)
  end
end
`

// joinScript: KEYS room; ARGV id, "|ROLE|DIALECT|NAME", room size, our
// instance, room name, resume token ("" for none), its lifetime (s). It returns nothing when the room is full, else the
// new peer's seq and the members before it (id, value, ...).
const joinScript = luaPrelude + `
local room = KEYS[1]
if redis.call('HLEN', room) >= tonumber(ARGV[3]) then return {} end
local seq = redis.call('INCR', 'wcli:seq')
local value = ARGV[4] .. '|' .. seq .. ARGV[2]
local members = redis.call('HGETALL', room)
redis.call('HSET', room, ARGV[1], value)
redis.call('SADD', 'wcli:ipeers:' .. ARGV[4], ARGV[5] .. '\n' .. ARGV[1])
if ARGV[6] ~= '' then
  redis.call('HSET', 'wcli:tokens', ARGV[5] .. '\n' .. ARGV[1], ARGV[6])
  redis.call('SET', 'wcli:resume:' .. ARGV[6], ARGV[5] .. '\n' .. ARGV[1], 'EX', ARGV[7])
end
tell(room, {[ARGV[4]] = true}, 'j\n' .. ARGV[5] .. '\n' .. ARGV[1] .. '\n' .. value)
local out = {seq}
for i = 1, #members do out[#out + 1] = members[i] end
return out
`

// leaveScript: KEYS room; ARGV id, our instance, room name.
const leaveScript = luaPrelude + `
local room = KEYS[1]
if redis.call('HDEL', room, ARGV[1]) == 0 then return 0 end
local e = ARGV[3] .. '\n' .. ARGV[1]
redis.call('SREM', 'wcli:ipeers:' .. ARGV[2], e)
forgetToken(e)
tell(room, {[ARGV[2]] = true}, 'l\n' .. ARGV[3] .. '\n' .. ARGV[1])
return 1
`

// refillScript: KEYS room; ARGV our instance, room name, then id, value
// pairs of our peers in it. It puts them back, tells the other members'
// instances of each, and returns the room (id, value, ...).
const refillScript = luaPrelude + `
local room = KEYS[1]
local seq = tonumber(redis.call('GET', 'wcli:seq') or '0')
for i = 3, #ARGV, 2 do
  local s = tonumber(string.match(ARGV[i + 1], '^[^|]*|(%d+)|') or '0')
  if s > seq then
    seq = s
    redis.call('SET', 'wcli:seq', seq) -- joins after this one stay the newest
  end
  local fresh = redis.call('HSET', room, ARGV[i], ARGV[i + 1])
  redis.call('SADD', 'wcli:ipeers:' .. ARGV[1], ARGV[2] .. '\n' .. ARGV[i])
  if fresh == 1 then
    tell(room, {[ARGV[1]] = true}, 'j\n' .. ARGV[2] .. '\n' .. ARGV[i] .. '\n' .. ARGV[i + 1])
  end
end
return redis.call('HGETALL', room)
`

// reapScript: ARGV dead instance, when its peers' resume window ends
// (ms). A live instance is left alone; a dead one's peers stay members,
// detached (no home), until the window ends.
const reapScript = luaPrelude + `
if redis.call('EXISTS', 'wcli:alive:' .. ARGV[1]) == 1 then return 0 end
local key = 'wcli:ipeers:' .. ARGV[1]
local entries = redis.call('SMEMBERS', key)
local n = 0
for _, e in ipairs(entries) do
  local room, id = string.match(e, '^([^\n]*)\n(.*)$')
  local v = redis.call('HGET', 'wcli:room:' .. room, id)
  if v and homeOf(v) == ARGV[1] then
    redis.call('HSET', 'wcli:room:' .. room, id, (string.gsub(v, '^[^|]*', '', 1)))
    redis.call('ZADD', 'wcli:detached', ARGV[2], e)
    n = n + 1
    -- The other members' instances queue what they send it in Redis
    -- from now on, for whichever instance it resumes on.
    tell('wcli:room:' .. room, {[ARGV[1]] = true}, 'd\n' .. room .. '\n' .. id)
  end
end
redis.call('DEL', key)
return n
`

// sweepScript: ARGV now (ms). Ends the detached peers whose window is
// over, telling the other members' instances.
const sweepScript = luaPrelude + `
local due = redis.call('ZRANGEBYSCORE', 'wcli:detached', '-inf', ARGV[1])
for _, e in ipairs(due) do
  redis.call('ZREM', 'wcli:detached', e)
  local room, id = string.match(e, '^([^\n]*)\n(.*)$')
  local key = 'wcli:room:' .. room
  local v = redis.call('HGET', key, id)
  if v and homeOf(v) == '' then
    redis.call('HDEL', key, id)
    redis.call('DEL', 'wcli:q:' .. e, 'wcli:qb:' .. e)
    forgetToken(e)
    tell(key, {}, 'l\n' .. room .. '\n' .. id)
  end
end
return #due
`
