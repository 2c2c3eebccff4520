package signal

import (
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// BenchmarkRelayVsNode relays 3 KB role-dialect (createOffer) offers
// through our server and, when NODE_RELAY_URL names one, through a Node
// `ws` server like the first tutorial's, with the same clients in the same
// run, so the figures compare. Start that one with
//
//	cd testdata/noderelay && npm install && node server.js 18090
//
// and run with NODE_RELAY_URL=ws://127.0.0.1:18090. Sub-benchmarks run one
// after another, so on a shared machine compare rounds taken while it was
// otherwise idle.
func BenchmarkRelayVsNode(b *testing.B) {
	s := NewServer(ServerConfig{Rate: -1, SendQueue: 4096})
	hs := httptest.NewServer(s)
	defer hs.Close()
	targets := map[string]string{"webrtc-cli": "ws" + strings.TrimPrefix(hs.URL, "http") + "/"}
	if u := os.Getenv("NODE_RELAY_URL"); u != "" {
		targets["node-ws"] = u
	}
	for name, url := range targets {
		b.Run(name, func(b *testing.B) {
			snd, _, err := websocket.DefaultDialer.Dial(url, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer snd.Close()
			rcv, _, err := websocket.DefaultDialer.Dial(url, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer rcv.Close()
			// Join both, then prove each join was handled: a WebSocket
			// ping's pong comes after the messages before it.
			joined := func(c *websocket.Conn, role string) <-chan struct{} {
				ch := make(chan struct{})
				var once sync.Once
				c.SetPongHandler(func(string) error { once.Do(func() { close(ch) }); return nil })
				c.WriteJSON(obj{"type": role})
				c.WriteControl(websocket.PingMessage, nil, time.Now().Add(time.Second))
				return ch
			}
			rcvJoined := joined(rcv, "receiver")
			sndJoined := joined(snd, "sender")
			go func() { // the sender's reader: pongs, and nothing else
				for {
					if _, _, err := snd.NextReader(); err != nil {
						return
					}
				}
			}()
			msg := []byte(`{"type":"createOffer","sdp":{"type":"offer","sdp":"` + sdp3K + `"}}`)
			window := make(chan struct{}, 128)
			var wg sync.WaitGroup
			wg.Add(1)
			received := make(chan int, 1)
			go func() {
				defer wg.Done()
				n := 0
				for n < b.N {
					if _, _, err := rcv.NextReader(); err != nil {
						b.Error(err)
						break
					}
					n++
					<-window
				}
				received <- n
			}()
			<-rcvJoined
			<-sndJoined
			b.SetBytes(int64(len(sdp3K)))
			b.ResetTimer()
			start := time.Now()
			pm, _ := websocket.NewPreparedMessage(websocket.TextMessage, msg)
			for range b.N {
				window <- struct{}{}
				if snd.WritePreparedMessage(pm) != nil {
					break
				}
			}
			<-received
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
		})
	}
}
