package signal

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/webrtc-cli/webrtc-cli/internal/redistest"
)

// Cluster tests that need a separate process: an instance killed without
// a word (SIGKILL), and Redis itself killed and restarted empty.

// clusterHelperEnv makes TestClusterHelperProcess run an instance: its
// value is the Redis URL.
const clusterHelperEnv = "WEBRTC_CLI_CLUSTER_HELPER_REDIS"

// The helper instance's timing, shared by the parent's instances.
const (
	killedHeartbeatTimeout = 2 * time.Second
	killedResumeWindow     = 2 * time.Second
)

// TestClusterHelperProcess is the child of TestClusterInstanceKilled: a
// Server in the cluster of the Redis it is given, on a loopback port. It
// prints "URL INSTANCE" once the instance takes joins and serves until it
// is killed.
func TestClusterHelperProcess(t *testing.T) {
	url := os.Getenv(clusterHelperEnv)
	if url == "" {
		return // not the child
	}
	s := NewServer(ServerConfig{Redis: url, HeartbeatTimeout: killedHeartbeatTimeout, ResumeWindow: killedResumeWindow,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	hs := httptest.NewServer(s)
	deadline := time.Now().Add(10 * time.Second)
	for !s.ClusterReady() {
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "helper instance not ready:", s.clusterHealth())
			os.Exit(1)
		}
		time.Sleep(5 * time.Millisecond) // readiness has no event to wait on
	}
	fmt.Println("ws"+strings.TrimPrefix(hs.URL, "http")+"/ws", s.hub.cluster.self)
	select {} // until SIGKILL (or -test.timeout)
}

// startClusterHelper runs TestClusterHelperProcess on redisURL and returns
// the process, its WebSocket URL and its instance id. The child is killed
// at cleanup, and with the test process.
func startClusterHelper(t *testing.T, redisURL string, stderr *lockedBuffer) (*exec.Cmd, string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestClusterHelperProcess$", "-test.timeout=5m")
	cmd.Env = append(os.Environ(), clusterHelperEnv+"="+redisURL)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	reap := func() { once.Do(func() { cmd.Process.Kill(); cmd.Wait() }) }
	t.Cleanup(reap)
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		lines <- strings.TrimSpace(line)
	}()
	var line string
	select {
	case line = <-lines:
	case <-time.After(30 * time.Second):
		reap()
		t.Fatalf("the helper instance said nothing within 30 s; its log:\n%s", stderr)
	}
	url, inst, ok := strings.Cut(line, " ")
	if !ok {
		reap()
		t.Fatalf("the helper instance printed %q; its log:\n%s", line, stderr)
	}
	return cmd, url, inst
}

// lockedBuffer is a log sink read while it is written.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// logOnFailure shows the named logs when the test fails.
func logOnFailure(t *testing.T, logs map[string]*lockedBuffer) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		names := make([]string, 0, len(logs))
		for n := range logs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			t.Logf("log of %s:\n%s", n, logs[n])
		}
	})
}

// debugLogger logs everything to b.
func debugLogger(b *lockedBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// redisClient is a client of the test's Redis, for looking at the
// cluster's state.
func redisClient(t *testing.T, url string) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// redisDump is every key of the test's Redis with its content, for
// reports.
func redisDump(rdb *redis.Client) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	keys, err := rdb.Keys(ctx, "*").Result()
	if err != nil {
		return "KEYS: " + err.Error()
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		var v any
		switch typ := rdb.Type(ctx, k).Val(); typ {
		case "hash":
			v = rdb.HGetAll(ctx, k).Val()
		case "set":
			m := rdb.SMembers(ctx, k).Val()
			sort.Strings(m)
			v = m
		case "zset":
			v = rdb.ZRangeWithScores(ctx, k, 0, -1).Val()
		case "string":
			v = rdb.Get(ctx, k).Val()
		default:
			v = typ
		}
		ttl := rdb.PTTL(ctx, k).Val()
		fmt.Fprintf(&b, "  %q (ttl %v): %q\n", k, ttl, fmt.Sprint(v))
	}
	if b.Len() == 0 {
		return "  (empty)\n"
	}
	return b.String()
}

// nextWithin reads c's next message, waiting at most d.
func (c *raw) nextWithin(d time.Duration) (obj, error) {
	c.ws.SetReadDeadline(time.Now().Add(d))
	_, data, err := c.ws.ReadMessage()
	if err != nil {
		return nil, err
	}
	var m obj
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("invalid JSON %q: %w", data, err)
	}
	return m, nil
}

// An instance killed without a word: the others notice its heartbeat has
// expired, treat its peers as dropped connections, and once the resume
// window is over each remaining member gets exactly one peer-left, within
// HeartbeatTimeout + ResumeWindow (and the reaper's ticks). Nothing of
// the dead instance remains in Redis.
func TestClusterInstanceKilled(t *testing.T) {
	rds := redistest.Start(t)
	rdb := redisClient(t, rds.URL)
	logs := map[string]*lockedBuffer{"helper": {}, "instance 0": {}, "instance 1": {}}
	logOnFailure(t, logs)
	child, childURL, childInst := startClusterHelper(t, rds.URL, logs["helper"])
	var urls []string
	for i := range 2 {
		s, u := testServer(t, ServerConfig{Redis: rds.URL, HeartbeatTimeout: killedHeartbeatTimeout, ResumeWindow: killedResumeWindow,
			Logger: debugLogger(logs[fmt.Sprint("instance ", i)])})
		waitReady(t, s)
		urls = append(urls, u)
	}

	const room = "killed"
	a := dialRaw(t, urls[0])
	wa := a.join(room, RolePeer)
	b := dialRaw(t, urls[1])
	wb := b.join(room, RolePeer)
	a.expect(TypePeerJoined)
	x := dialRaw(t, childURL)
	wx := x.join(room, RolePeer)
	if got := len(wx["peers"].([]any)); got != 2 {
		t.Fatalf("the welcome on the helper instance lists %d peers; want 2: %v", got, wx)
	}
	gone := idOf(wx)
	for _, p := range []*raw{a, b} {
		if j := p.expect(TypePeerJoined); j["peer"].(obj)["id"] != gone {
			t.Fatalf("peer-joined %v; want %s", j, gone)
		}
	}
	ctx := context.Background()
	entry := room + "\n" + gone
	if v := rdb.HGet(ctx, roomKey(room), gone).Val(); !strings.HasPrefix(v, childInst+"|") {
		t.Fatalf("Redis holds %q for the helper's peer; want it homed on %s:\n%s", v, childInst, redisDump(rdb))
	}
	if !rdb.SIsMember(ctx, keyPrefix+"ipeers:"+childInst, entry).Val() {
		t.Fatalf("the helper's peer set lacks its peer:\n%s", redisDump(rdb))
	}
	t.Logf("before the kill:\n%s", redisDump(rdb))

	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	child.Wait()

	// The bound: the heartbeat expires, the reaper notices (one tick),
	// the window passes, the sweeper ends it (one tick); plus slack.
	limit := killedHeartbeatTimeout + killedResumeWindow + 2*time.Second
	for i, p := range []*raw{a, b} {
		m, err := p.nextWithin(time.Until(killed.Add(limit + 10*time.Second)))
		if err != nil {
			t.Fatalf("member on instance %d: no peer-left within %v of the kill: %v\nRedis:\n%s",
				i, time.Since(killed).Round(time.Millisecond), err, redisDump(rdb))
		}
		took := time.Since(killed)
		if m["type"] != TypePeerLeft || m["id"] != gone {
			t.Fatalf("member on instance %d got %v after the kill; want peer-left %s", i, m, gone)
		}
		t.Logf("SIGKILL -> peer-left on instance %d: %v (heartbeat timeout %v, resume window %v)",
			i, took.Round(time.Millisecond), killedHeartbeatTimeout, killedResumeWindow)
		if took > limit {
			t.Errorf("peer-left on instance %d came %v after the kill; want within %v", i, took.Round(time.Millisecond), limit)
		}
	}
	for _, p := range []*raw{a, b} {
		p.barrier() // nothing else, no second peer-left
	}

	// No state of the dead instance is left.
	t.Logf("after peer-left:\n%s", redisDump(rdb))
	members := rdb.HKeys(ctx, roomKey(room)).Val()
	sort.Strings(members)
	want := []string{idOf(wa), idOf(wb)}
	sort.Strings(want)
	if !slices.Equal(members, want) {
		t.Errorf("room hash members %v; want the two live peers %v", members, want)
	}
	for _, k := range []string{keyPrefix + "ipeers:" + childInst, keyPrefix + "alive:" + childInst} {
		if n := rdb.Exists(ctx, k).Val(); n != 0 {
			t.Errorf("%s still exists after the window", k)
		}
	}
	if _, err := rdb.ZScore(ctx, keyPrefix+"detached", entry).Result(); err != redis.Nil {
		t.Errorf("the dead peer is still in %sdetached (%v)", keyPrefix, err)
	}
	keys := rdb.Keys(ctx, "*"+childInst+"*").Val()
	if len(keys) > 0 {
		t.Errorf("keys of the dead instance remain: %v", keys)
	}
	// The living still talk across instances.
	a.send(obj{"type": "offer", "to": idOf(wb), "sdp": "after"})
	if m := b.expect(TypeOffer); m["from"] != idOf(wa) {
		t.Fatalf("offer after the kill: %v", m)
	}
	// And the dead peer is gone for them too.
	a.send(obj{"type": "offer", "to": gone, "sdp": "x"})
	a.expectError(CodeUnknownPeer)
}

// httpStatus is the status of GET base+path, or 0 when there is no
// answer.
func httpStatus(base, path string) int {
	client := http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(base + path)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// waitStatus waits until GET base+path answers want, at most d; it
// returns how long it took.
func waitStatus(t *testing.T, base, path string, want int, d time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		got := httpStatus(base, path)
		if got == want {
			return time.Since(start)
		}
		if time.Since(start) > d {
			t.Fatalf("%s%s answered %d for %v; want %d", base, path, got, d, want)
		}
		time.Sleep(50 * time.Millisecond) // health has no event to wait on
	}
}

func httpBase(wsURL string) string {
	return "http" + strings.TrimSuffix(strings.TrimPrefix(wsURL, "ws"), "/ws")
}

// Redis killed: the instances say so on /healthz (503 within 10 s, /livez
// 200), refuse joins with "unavailable", and keep their connected peers.
// Redis back, empty: /healthz is 200 within 20 s, joins work, and the
// instances refill it with their own peers, so the room is whole again
// (within the same 20 s).
func TestClusterRedisRestart(t *testing.T) {
	rds := redistest.Start(t)
	rdb := redisClient(t, rds.URL)
	logs := map[string]*lockedBuffer{"instance 0": {}, "instance 1": {}}
	logOnFailure(t, logs)
	var urls []string
	var srvs []*Server
	for i := range 2 {
		s, u := testServer(t, ServerConfig{Redis: rds.URL, Logger: debugLogger(logs[fmt.Sprint("instance ", i)])})
		waitReady(t, s)
		urls, srvs = append(urls, u), append(srvs, s)
	}
	const room = "blip"
	a := dialRaw(t, urls[0])
	wa := a.join(room, RolePeer)
	b := dialRaw(t, urls[1])
	wb := b.join(room, RolePeer)
	a.expect(TypePeerJoined)
	t.Logf("before the kill:\n%s", redisDump(rdb))

	rds.Kill()
	killed := time.Now()
	for i, u := range urls {
		waitStatus(t, httpBase(u), "/healthz", http.StatusServiceUnavailable, 10*time.Second-time.Since(killed))
		t.Logf("instance %d: /healthz 503 %v after Redis was killed", i, time.Since(killed).Round(time.Millisecond))
		if got := httpStatus(httpBase(u), "/livez"); got != http.StatusOK {
			t.Errorf("instance %d: /livez %d while Redis is down; want 200", i, got)
		}
		c := dialRaw(t, u)
		c.send(obj{"type": "join", "room": room, "role": "peer"})
		c.expectError(CodeUnavailable)
	}
	// The connected peers are still there.
	a.barrier()
	b.barrier()

	rds.Restart(t)
	restarted := time.Now()
	for i, u := range urls {
		waitStatus(t, httpBase(u), "/healthz", http.StatusOK, 20*time.Second-time.Since(restarted))
		t.Logf("instance %d: /healthz 200 %v after Redis came back", i, time.Since(restarted).Round(time.Millisecond))
	}
	// New joins work.
	d := dialRaw(t, urls[1])
	d.join("fresh", RolePeer)
	// Nobody was dropped.
	a.barrier()
	b.barrier()

	// The room is whole again: each instance puts its peers back.
	want := []string{idOf(wa), idOf(wb)}
	sort.Strings(want)
	var members []string
	for {
		members = rdb.HKeys(context.Background(), roomKey(room)).Val()
		sort.Strings(members)
		if slices.Equal(members, want) {
			break
		}
		if time.Since(restarted) > 20*time.Second {
			t.Fatalf("20 s after Redis came back empty it holds %v of room %q; want its peers %v\nRedis:\n%s",
				members, room, want, redisDump(rdb))
		}
		time.Sleep(20 * time.Millisecond) // a refill has no event to wait on
	}
	t.Logf("instances refilled Redis %v after it came back:\n%s", time.Since(restarted).Round(time.Millisecond), redisDump(rdb))

	// No instance took the other for dead while its heartbeat was not
	// back yet: once both heartbeats are in Redis, no reaper can detach
	// a live instance's peers any more, and none has.
	var alive []string
	for _, s := range srvs {
		alive = append(alive, keyPrefix+"alive:"+s.hub.cluster.self)
	}
	for rdb.Exists(context.Background(), alive...).Val() != int64(len(alive)) {
		if time.Since(restarted) > 20*time.Second {
			t.Fatalf("20 s after Redis came back the heartbeats are not all in it:\n%s", redisDump(rdb))
		}
		time.Sleep(20 * time.Millisecond) // a heartbeat has no event to wait on
	}
	if n := rdb.ZCard(context.Background(), keyPrefix+"detached").Val(); n != 0 {
		// They would be reported peer-left when the window ends,
		// connected as they are, and hear of no newcomer meanwhile.
		t.Fatalf("%d peers of live instances detached, as if their instance had died:\n%s", n, redisDump(rdb))
	}

	// A newcomer sees the whole room and every member hears of it,
	// whichever instance it is on; a departure reaches everyone.
	c := dialRaw(t, urls[0])
	wc := c.join(room, RolePeer)
	if got := len(wc["peers"].([]any)); got != 2 {
		t.Errorf("the newcomer's welcome lists %v; want the 2 members", wc["peers"])
	}
	for _, p := range []*raw{a, b} {
		if j := p.expect(TypePeerJoined); j["peer"].(obj)["id"] != idOf(wc) {
			t.Fatalf("peer-joined %v; want %s", j, idOf(wc))
		}
	}
	a.send(obj{"type": "leave"})
	for _, p := range []*raw{b, c} {
		if l := p.expect(TypePeerLeft); l["id"] != idOf(wa) {
			t.Fatalf("peer-left %v; want %s", l, idOf(wa))
		}
		p.barrier()
	}
	b.send(obj{"type": "offer", "to": idOf(wc), "sdp": "across"})
	if m := c.expect(TypeOffer); m["from"] != idOf(wb) {
		t.Fatalf("offer %v; want from %s", m, idOf(wb))
	}
	b.barrier()
	c.barrier()
	d.barrier()
}

// What is sent to a peer whose instance died waits in Redis, bounded, and
// comes right after the welcome when the peer resumes on another
// instance, in order.
func TestClusterQueueForDeadInstance(t *testing.T) {
	rds := redistest.Start(t)
	rdb := redisClient(t, rds.URL)
	logs := map[string]*lockedBuffer{"helper": {}, "instance": {}}
	logOnFailure(t, logs)
	child, childURL, _ := startClusterHelper(t, rds.URL, logs["helper"])
	s, url := testServer(t, ServerConfig{Redis: rds.URL, HeartbeatTimeout: killedHeartbeatTimeout, ResumeWindow: 20 * time.Second,
		Logger: debugLogger(logs["instance"])})
	waitReady(t, s)
	a := dialRaw(t, url)
	wa := a.join("q", RolePeer)
	b := dialRaw(t, childURL)
	wb := b.join("q", RolePeer)
	a.expect(TypePeerJoined)
	child.Process.Kill()
	child.Wait()
	// Detached once the instance's heartbeat has expired.
	entry := "q\n" + idOf(wb)
	deadline := time.Now().Add(10 * time.Second)
	for rdb.ZScore(t.Context(), "wcli:detached", entry).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("the dead instance's peer was never detached:\n%s", redisDump(rdb))
		}
		time.Sleep(20 * time.Millisecond) // Redis state has no event to wait on
	}
	// The detach reaches a's instance in order before anything a sends
	// next only if a's instance has applied it: a ping round trip does not
	// prove that, so wait for the member to show as detached there too.
	deadline = time.Now().Add(5 * time.Second)
	for {
		s.hub.mu.Lock()
		q := s.hub.rooms["q"].peers[idOf(wb)]
		detached := q != nil && q.home == detachedHome
		s.hub.mu.Unlock()
		if detached {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a's instance never learned that b's instance died")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for i := range 10 {
		a.send(obj{"type": "offer", "to": idOf(wb), "sdp": fmt.Sprint("q", i)})
	}
	a.barrier()
	b2 := dialRaw(t, url)
	b2.send(obj{"type": "join", "room": "q", "role": "peer", "resume": wb["resume"]})
	if w := b2.expect(TypeWelcome); w["resumed"] != true || idOf(w) != idOf(wb) {
		t.Fatalf("welcome %v", w)
	}
	for i := range 10 {
		if m := b2.expect(TypeOffer); m["sdp"] != fmt.Sprint("q", i) || m["from"] != idOf(wa) {
			t.Fatalf("queued message %d: %v", i, m)
		}
	}
	a.barrier() // no peer-left
	if n := rdb.Exists(t.Context(), "wcli:q:"+entry, "wcli:qb:"+entry).Val(); n != 0 {
		t.Errorf("the queue is still in Redis after the resume")
	}
}
