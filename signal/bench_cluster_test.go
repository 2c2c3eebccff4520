package signal

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
	"github.com/webrtc-cli/webrtc-cli/internal/redistest"
)

// The cluster benchmarks of issue 11, beside the single-instance ones in
// bench_test.go: the same methods and metric names, with the clients on
// different instances of one Redis.
//
//	CI=1 go test ./signal -run XXX -bench Cluster -benchtime 1x

// BenchmarkClusterRelay is BenchmarkRelay across instances: each pair's
// sender is on one instance and its receiver on the other, so every 3 KB
// offer goes through Redis.
func BenchmarkClusterRelay(b *testing.B) {
	for _, pairs := range []int{1, 10} {
		b.Run(fmt.Sprintf("pairs=%d", pairs), func(b *testing.B) {
			_, urls := clusterOf(b, 2, ServerConfig{Rate: -1, SendQueue: 4096})
			type pair struct {
				a, r *websocket.Conn
				to   string
			}
			ps := make([]pair, pairs)
			for i := range ps {
				// Half the pairs send from instance 1 to instance 2, half
				// the other way.
				a, r, to := clusterBenchPair(b, urls[i%2], urls[(i+1)%2], fmt.Sprint("bench", i))
				ps[i] = pair{a, r, to}
			}
			defer func() {
				for _, p := range ps {
					p.a.Close()
					p.r.Close()
				}
			}()
			per := b.N/pairs + 1
			b.SetBytes(int64(len(sdp3K)))
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for _, p := range ps {
				msg := []byte(`{"type":"offer","to":"` + p.to + `","sdp":"` + sdp3K + `"}`)
				// A bound on the whole run: a lost message fails the
				// benchmark instead of hanging it.
				p.r.SetReadDeadline(time.Now().Add(time.Minute + time.Duration(per)*time.Millisecond))
				wg.Add(2)
				window := make(chan struct{}, 128)
				go func() {
					defer wg.Done()
					pm, _ := websocket.NewPreparedMessage(websocket.TextMessage, msg)
					for range per {
						window <- struct{}{}
						if err := p.a.WritePreparedMessage(pm); err != nil {
							b.Error(err)
							return
						}
					}
				}()
				go func() {
					defer wg.Done()
					for i := range per {
						if _, _, err := p.r.NextReader(); err != nil {
							b.Errorf("message %d of %d: %v", i, per, err)
							// Let the sender finish its count.
							for range per - i {
								<-window
							}
							return
						}
						<-window
					}
				}()
			}
			wg.Wait()
			el := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(per*pairs)/el.Seconds(), "msgs/s")
		})
	}
}

// BenchmarkClusterRelayLatency sends 3 KB offers at 1,000 a second, each
// carrying the time it was sent, and reports the one-way latency to the
// receiver. instances=1 is the same method on one server without Redis.
func BenchmarkClusterRelayLatency(b *testing.B) {
	for _, n := range []int{1, 2} {
		b.Run(fmt.Sprintf("instances=%d", n), func(b *testing.B) {
			var urls []string
			if n == 1 {
				_, u := testServer(b, ServerConfig{Rate: -1})
				urls = []string{u, u}
			} else {
				_, urls = clusterOf(b, 2, ServerConfig{Rate: -1})
			}
			a, r, to := clusterBenchPair(b, urls[0], urls[1], "lat")
			defer a.Close()
			defer r.Close()
			head := []byte(`{"type":"offer","to":"` + to + `","sdp":"`)
			tail := []byte(`|` + sdp3K + `"}`)
			lat := make([]time.Duration, 0, b.N)
			r.SetReadDeadline(time.Now().Add(time.Minute + time.Duration(b.N)*time.Millisecond))
			b.ResetTimer()
			start := time.Now()
			sent := make(chan error, 1)
			go func() {
				tick := time.NewTicker(time.Millisecond)
				defer tick.Stop()
				msg := make([]byte, 0, len(head)+20+len(tail))
				for range b.N {
					<-tick.C
					msg = append(strconv.AppendInt(append(msg[:0], head...), time.Now().UnixNano(), 10), tail...)
					if err := a.WriteMessage(websocket.TextMessage, msg); err != nil {
						sent <- err
						return
					}
				}
				sent <- nil
			}()
			key := []byte(`"sdp":"`)
			for i := range b.N {
				_, data, err := r.ReadMessage()
				now := time.Now()
				if err != nil {
					a.Close()
					b.Fatalf("message %d of %d: %v (sender: %v)", i, b.N, err, <-sent)
				}
				k := bytes.Index(data, key)
				if k < 0 {
					b.Fatalf("message %d without sdp: %.100s", i, data)
				}
				ts, _, _ := bytes.Cut(data[k+len(key):], []byte("|"))
				ns, err := strconv.ParseInt(string(ts), 10, 64)
				if err != nil {
					b.Fatalf("message %d: timestamp %q", i, ts)
				}
				lat = append(lat, now.Sub(time.Unix(0, ns)))
			}
			el := time.Since(start)
			b.StopTimer()
			if err := <-sent; err != nil {
				b.Fatal(err)
			}
			slices.Sort(lat)
			ms := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))]) / 1e6 }
			b.ReportMetric(ms(0.5), "p50-ms")
			b.ReportMetric(ms(0.99), "p99-ms")
			b.ReportMetric(ms(1), "max-ms")
			b.ReportMetric(float64(b.N)/el.Seconds(), "msgs/s")
		})
	}
}

// BenchmarkClusterIdleConnections is BenchmarkIdleConnections on
// instances with Redis: N joined connections made by a child process, in
// rooms of 16, and the heap and stack growth of the servers per
// connection. With instances=2 the connections alternate between two
// instances, so every room is split and each instance also holds the
// other's members. redis-B/conn is what Redis itself grew by.
func BenchmarkClusterIdleConnections(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("IDLE_CONNS")); err == nil {
		n = v
	}
	for _, inst := range []int{1, 2} {
		b.Run(fmt.Sprintf("instances=%d", inst), func(b *testing.B) {
			for range b.N {
				clusterIdleRound(b, inst, n)
			}
		})
	}
}

// clusterIdleRound is one measurement of BenchmarkClusterIdleConnections;
// it stops its servers and Redis however it ends.
func clusterIdleRound(b *testing.B, inst, n int) {
	rs := redistest.Start(b)
	defer rs.Kill()
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr})
	defer rdb.Close()
	var urls []string
	var srvs []*Server
	for range inst {
		s := NewServer(ServerConfig{RoomSize: 16, MaxConns: n + 10, Redis: rs.URL})
		hs := httptest.NewServer(s)
		defer func() {
			hs.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			s.Close(ctx)
		}()
		srvs = append(srvs, s)
		urls = append(urls, "ws"+strings.TrimPrefix(hs.URL, "http")+"/ws")
	}
	for _, s := range srvs {
		waitReady(b, s)
	}
	before := memInUse()
	redisBefore := redisUsedMemory(b, rdb)
	cmd := exec.Command(os.Args[0], "-test.run=^TestClusterIdleClientsHelper$")
	cmd.Env = append(os.Environ(), "CLUSTER_IDLE_HELPER_URLS="+strings.Join(urls, ","), "CLUSTER_IDLE_HELPER_N="+strconv.Itoa(n))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	out := bufio.NewReader(stdout)
	line, err := out.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ready") {
		rest, _ := io.ReadAll(out)
		b.Fatalf("helper: %s%s %v", line, rest, err)
	}
	after := memInUse()
	redisAfter := redisUsedMemory(b, rdb)
	b.ReportMetric(float64(after-before)/float64(n)/1024, "KiB/conn")
	b.ReportMetric(float64(redisAfter-redisBefore)/float64(n), "redis-B/conn")
	b.ReportMetric(float64(n), "conns")
}

func redisUsedMemory(b *testing.B, rdb *redis.Client) int64 {
	b.Helper()
	info, err := rdb.Info(context.Background(), "memory").Result()
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.SplitSeq(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	b.Fatalf("no used_memory in INFO memory")
	return 0
}

// TestClusterIdleClientsHelper is BenchmarkClusterIdleConnections' child:
// it joins N connections in rooms of 16, connection i on the i-th of the
// URLs in turn, says ready, and holds them until stdin closes.
func TestClusterIdleClientsHelper(t *testing.T) {
	env := os.Getenv("CLUSTER_IDLE_HELPER_URLS")
	if env == "" {
		t.Skip("child process of BenchmarkClusterIdleConnections")
	}
	urls := strings.Split(env, ",")
	n, _ := strconv.Atoi(os.Getenv("CLUSTER_IDLE_HELPER_N"))
	conns := make([]*websocket.Conn, 0, n)
	defer func() {
		for _, ws := range conns {
			ws.Close()
		}
	}()
	d := websocket.Dialer{ReadBufferSize: 256, WriteBufferSize: 256}
	for i := range n {
		ws, _, err := d.Dial(urls[i%len(urls)], nil)
		if err != nil {
			t.Fatalf("conn %d: %v", i, err)
		}
		conns = append(conns, ws)
		ws.WriteJSON(obj{"type": "join", "room": fmt.Sprint("idle", i/16)})
	}
	// Read each welcome and the presence that followed, so every join is
	// complete, on every instance, before the servers are measured.
	// The deadline is under the server's ping interval and pong timeout
	// together, so that a missing message fails here, as such.
	deadline := time.Now().Add(25 * time.Second)
	for i, ws := range conns {
		ws.SetReadDeadline(deadline)
		var w Message
		if err := ws.ReadJSON(&w); err != nil || w.Type != TypeWelcome {
			t.Fatalf("conn %d: %v %v", i, w.Type, err)
		}
		roomSize := min(16, n-i/16*16)
		want := roomSize - 1 - len(w.Peers)
		for k := range want {
			if _, _, err := ws.ReadMessage(); err != nil {
				t.Fatalf("conn %d (room idle%d): welcome listed %d peers, then %d of the %d presence messages that complete a room of %d came: %v",
					i, i/16, len(w.Peers), k, want, roomSize, err)
			}
		}
	}
	fmt.Println("ready")
	bufio.NewReader(os.Stdin).ReadString('\n')
}

// BenchmarkClusterJoins measures joins across three instances: JOINS
// (default 3000) connections, opened beforehand and spread over the
// instances in turn, join with JOIN_CONCURRENCY (default 64) joins in
// flight. rooms=distinct gives each its own room; rooms=shared puts them
// in rooms of 16 split over the three instances, so each join also tells
// the other members' instances. It reports joins/s and the latency from
// the join's write to its welcome. instances=1 is the same on one server
// without Redis.
func BenchmarkClusterJoins(b *testing.B) {
	n, conc := 3000, 64
	if v, err := strconv.Atoi(os.Getenv("JOINS")); err == nil {
		n = v
	}
	if v, err := strconv.Atoi(os.Getenv("JOIN_CONCURRENCY")); err == nil {
		conc = v
	}
	for _, inst := range []int{1, 3} {
		for _, mode := range []string{"distinct", "shared"} {
			b.Run(fmt.Sprintf("instances=%d/rooms=%s", inst, mode), func(b *testing.B) {
				cfg := ServerConfig{Rate: -1, JoinTimeout: -1, MaxConns: n + 10}
				var rdb *redis.Client
				if inst > 1 {
					rs := redistest.Start(b)
					rdb = redis.NewClient(&redis.Options{Addr: rs.Addr})
					defer rdb.Close()
					cfg.Redis = rs.URL
				}
				var srvs []*Server
				var urls []string
				for range inst {
					s, u := testServer(b, cfg)
					if inst > 1 {
						waitReady(b, s)
					}
					srvs = append(srvs, s)
					urls = append(urls, u)
				}
				var lat []time.Duration
				var total time.Duration
				b.ResetTimer()
				for it := range b.N {
					b.StopTimer()
					conns := dialMany(b, urls, n)
					b.StartTimer()
					l, el, ok := joinAll(b, conns, conc, func(i int) string {
						if mode == "distinct" {
							return fmt.Sprintf("j%d-%d", it, i)
						}
						return fmt.Sprintf("j%d-%d", it, i/16)
					})
					b.StopTimer()
					closeAll(conns)
					if !ok {
						b.FailNow()
					}
					lat = append(lat, l...)
					total += el
					waitSessionsGone(b, srvs, rdb)
				}
				slices.Sort(lat)
				ms := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))]) / 1e6 }
				b.ReportMetric(float64(len(lat))/total.Seconds(), "joins/s")
				b.ReportMetric(ms(0.5), "p50-ms")
				b.ReportMetric(ms(0.99), "p99-ms")
			})
		}
	}
}

// dialMany opens n connections, the i-th on urls[i%len(urls)].
func dialMany(b testing.TB, urls []string, n int) []*websocket.Conn {
	b.Helper()
	d := websocket.Dialer{ReadBufferSize: 1024, WriteBufferSize: 1024}
	conns := make([]*websocket.Conn, 0, n)
	for i := range n {
		ws, _, err := d.Dial(urls[i%len(urls)], nil)
		if err != nil {
			closeAll(conns)
			b.Fatalf("conn %d: %v", i, err)
		}
		conns = append(conns, ws)
	}
	return conns
}

// joinAll joins every connection to room(i), conc at a time, and returns
// each join's latency, the time they all took and whether all succeeded.
func joinAll(b testing.TB, conns []*websocket.Conn, conc int, room func(int) string) ([]time.Duration, time.Duration, bool) {
	lat := make([]time.Duration, len(conns))
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	start := time.Now()
	for range min(conc, len(conns)) {
		wg.Go(func() {
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= len(conns) {
					return
				}
				ws := conns[i]
				ws.SetReadDeadline(time.Now().Add(30 * time.Second))
				msg := []byte(`{"type":"join","room":"` + room(i) + `","role":"peer"}`)
				t0 := time.Now()
				if err := ws.WriteMessage(websocket.TextMessage, msg); err != nil {
					b.Errorf("join %d: %v", i, err)
					failed.Store(true)
					return
				}
				_, data, err := ws.ReadMessage()
				lat[i] = time.Since(t0)
				if err != nil || !bytes.Contains(data, []byte(`"type":"welcome"`)) {
					b.Errorf("join %d: %.200s %v", i, data, err)
					failed.Store(true)
					return
				}
			}
		})
	}
	wg.Wait()
	return lat, time.Since(start), !failed.Load()
}

// closeAll closes connections as a leaving client does, with the close
// handshake (1000), so that their sessions end at once rather than wait
// out a resume window. (A client that resets the connection right after
// its close frame may have the frame lost, while the server writes to it,
// and be taken for a dropped connection.)
func closeAll(conns []*websocket.Conn) {
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(64, len(conns)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(conns) {
					return
				}
				ws := conns[i]
				ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
				ws.SetReadDeadline(time.Now().Add(5 * time.Second))
				for {
					if _, _, err := ws.NextReader(); err != nil {
						break
					}
				}
				ws.Close()
			}
		})
	}
	wg.Wait()
}

// waitSessionsGone waits until no server holds a peer and, with a
// Redis, Redis holds no room: every leave is done.
func waitSessionsGone(b *testing.B, srvs []*Server, rdb *redis.Client) {
	b.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		left, rooms := 0.0, -1
		for _, s := range srvs {
			left += testutil.ToFloat64(s.metrics.peers)
		}
		if rdb != nil {
			n, err := rdb.Eval(context.Background(), `return #redis.call('KEYS', ARGV[1])`, nil, keyPrefix+"room:*").Int()
			if err == nil {
				rooms = n
			}
		} else {
			rooms = 0
		}
		if left == 0 && rooms == 0 {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("30 s after every connection closed, %v peers remain and Redis has %d rooms", left, rooms)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// clusterBenchPair joins a sender on urlA and a receiver on urlR to room
// and returns them with the receiver's id, once the sender has heard of
// the receiver (so its instance will relay to it).
func clusterBenchPair(b *testing.B, urlA, urlR, room string) (*websocket.Conn, *websocket.Conn, string) {
	b.Helper()
	a, _, err := websocket.DefaultDialer.Dial(urlA, nil)
	if err != nil {
		b.Fatal(err)
	}
	r, _, err := websocket.DefaultDialer.Dial(urlR, nil)
	if err != nil {
		a.Close()
		b.Fatal(err)
	}
	read := func(ws *websocket.Conn, typ string) obj {
		ws.SetReadDeadline(time.Now().Add(wait))
		defer ws.SetReadDeadline(time.Time{})
		var m obj
		if err := ws.ReadJSON(&m); err != nil || m["type"] != typ {
			a.Close()
			r.Close()
			b.Fatalf("want %s, got %v %v", typ, m, err)
		}
		return m
	}
	a.WriteJSON(obj{"type": "join", "room": room, "role": "sender"})
	read(a, TypeWelcome)
	r.WriteJSON(obj{"type": "join", "room": room, "role": "receiver"})
	w := read(r, TypeWelcome)
	read(a, TypePeerJoined)
	return a, r, idOf(w)
}
