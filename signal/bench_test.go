package signal

import (
	"bufio"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// sdp3K is an SDP-sized payload, as in PERF-NOTES' measurements.
var sdp3K = strings.Repeat("a=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host\\r\\n", 3000/60)

func benchPair(b *testing.B, url, room string) (*websocket.Conn, *websocket.Conn, string) {
	a, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		b.Fatal(err)
	}
	r, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		b.Fatal(err)
	}
	a.WriteJSON(obj{"type": "join", "room": room, "role": "sender"})
	var w obj
	a.ReadJSON(&w)
	r.WriteJSON(obj{"type": "join", "room": room, "role": "receiver"})
	r.ReadJSON(&w)
	a.ReadJSON(&obj{}) // peer-joined
	return a, r, idOf(w)
}

// BenchmarkRelay measures relay throughput of 3 KB offers through one hop
// between pairs of clients, as fast as they go.
func BenchmarkRelay(b *testing.B) {
	for _, pairs := range []int{1, 10} {
		b.Run(fmt.Sprintf("pairs=%d", pairs), func(b *testing.B) {
			s := NewServer(ServerConfig{Rate: -1, SendQueue: 4096})
			hs := httptest.NewServer(s)
			defer hs.Close()
			url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws"
			type pair struct {
				a, r *websocket.Conn
				to   string
			}
			ps := make([]pair, pairs)
			for i := range ps {
				a, r, to := benchPair(b, url, fmt.Sprint("bench", i))
				ps[i] = pair{a, r, to}
			}
			per := b.N/pairs + 1
			b.SetBytes(int64(len(sdp3K)))
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for _, p := range ps {
				msg := []byte(`{"type":"offer","to":"` + p.to + `","sdp":"` + sdp3K + `"}`)
				wg.Add(2)
				// A window of messages in flight: the server drops a
				// receiver whose queue overflows, as it should, so the
				// sender must not outrun it.
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
					for range per {
						if _, _, err := p.r.NextReader(); err != nil {
							b.Error(err)
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
			for _, p := range ps {
				p.a.Close()
				p.r.Close()
			}
		})
	}
}

// BenchmarkRelayLatency sends 3 KB offers at 1,000 a second and reports
// the one-hop latency from the sender's write to the receiver's read.
func BenchmarkRelayLatency(b *testing.B) {
	s := NewServer(ServerConfig{Rate: -1})
	hs := httptest.NewServer(s)
	defer hs.Close()
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws"
	a, r, to := benchPair(b, url, "lat")
	defer a.Close()
	defer r.Close()
	msg := []byte(`{"type":"offer","to":"` + to + `","sdp":"` + sdp3K + `"}`)
	lat := make([]time.Duration, 0, b.N)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	b.ResetTimer()
	for range b.N {
		<-tick.C
		t0 := time.Now()
		if err := a.WriteMessage(websocket.TextMessage, msg); err != nil {
			b.Fatal(err)
		}
		if _, _, err := r.ReadMessage(); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	ms := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))]) / 1e6 }
	b.ReportMetric(ms(0.5), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
}

// BenchmarkIdleConnections holds N joined connections made by a child
// process (so that only the server's memory is counted) and reports the
// server's heap and stack growth per connection.
func BenchmarkIdleConnections(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("IDLE_CONNS")); err == nil {
		n = v
	}
	for range b.N {
		s := NewServer(ServerConfig{RoomSize: 16, MaxConns: n + 10})
		hs := httptest.NewServer(s)
		url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws"
		before := memInUse()
		cmd := exec.Command(os.Args[0], "-test.run=^TestIdleClientsHelper$")
		cmd.Env = append(os.Environ(), "IDLE_HELPER_URL="+url, "IDLE_HELPER_N="+strconv.Itoa(n))
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		out := bufio.NewReader(stdout)
		line, err := out.ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "ready") {
			rest, _ := io.ReadAll(out)
			b.Fatalf("helper: %s%s %v", line, rest, err)
		}
		after := memInUse()
		b.ReportMetric(float64(after-before)/float64(n)/1024, "KiB/conn")
		b.ReportMetric(float64(n), "conns")
		stdin.Close()
		cmd.Wait()
		hs.Close()
		s.Close(b.Context())
	}
}

func memInUse() uint64 {
	// Several cycles: each GC halves at most once the stacks that use
	// under a quarter of their size, as a long-running server's would be.
	for range 4 {
		runtime.GC()
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	if os.Getenv("IDLE_VERBOSE") != "" {
		fmt.Fprintf(os.Stderr, "heap %d KiB stack %d KiB\n", m.HeapInuse>>10, m.StackInuse>>10)
	}
	return m.HeapInuse + m.StackInuse
}

// TestIdleClientsHelper is BenchmarkIdleConnections' child: it joins N
// connections in rooms of 16, says ready, and holds them until stdin closes.
func TestIdleClientsHelper(t *testing.T) {
	url := os.Getenv("IDLE_HELPER_URL")
	if url == "" {
		t.Skip("child process of BenchmarkIdleConnections")
	}
	n, _ := strconv.Atoi(os.Getenv("IDLE_HELPER_N"))
	conns := make([]*websocket.Conn, 0, n)
	d := websocket.Dialer{ReadBufferSize: 256, WriteBufferSize: 256}
	for i := range n {
		ws, _, err := d.Dial(url, nil)
		if err != nil {
			t.Fatalf("conn %d: %v", i, err)
		}
		ws.WriteJSON(obj{"type": "join", "room": fmt.Sprint("idle", i/16)})
		conns = append(conns, ws)
	}
	// Read each welcome and the presence that followed, so every join is
	// complete before the server is measured.
	for i, ws := range conns {
		ws.SetReadDeadline(time.Now().Add(30 * time.Second))
		var w Message
		if err := ws.ReadJSON(&w); err != nil || w.Type != TypeWelcome {
			t.Fatalf("conn %d: %v %v", i, w.Type, err)
		}
		roomSize := min(16, n-i/16*16)
		for range roomSize - 1 - len(w.Peers) {
			if _, _, err := ws.ReadMessage(); err != nil {
				t.Fatalf("conn %d: %v", i, err)
			}
		}
	}
	fmt.Println("ready")
	bufio.NewReader(os.Stdin).ReadString('\n')
	for _, ws := range conns {
		ws.Close()
	}
}
