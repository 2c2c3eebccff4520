package signal

import (
	"net"
	"net/http"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// dialStatus dials with headers h and returns the HTTP status: 101 when
// the upgrade succeeded (the connection stays open until the test ends).
func dialStatus(t *testing.T, url string, h http.Header) int {
	t.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial(url, h)
	if resp == nil {
		t.Fatalf("dial: %v", err)
	}
	if err == nil {
		t.Cleanup(func() { ws.Close() })
	}
	return resp.StatusCode
}

func TestMaxConnsPerIP(t *testing.T) {
	const ok, refused = http.StatusSwitchingProtocols, http.StatusTooManyRequests
	a, b := "203.0.113.7", "198.51.100.9"
	cases := []struct {
		name  string
		cfg   ServerConfig
		xff   []string // X-Forwarded-For of each dial; "" sends none
		codes []int
	}{
		{"loopback is exempt", ServerConfig{MaxConnsPerIP: 1}, []string{"", "", ""}, []int{ok, ok, ok}},
		{"forwarded ignored without trust", ServerConfig{MaxConnsPerIP: 1}, []string{a, a}, []int{ok, ok}},
		{"over the limit", ServerConfig{MaxConnsPerIP: 2, TrustProxy: true}, []string{a, a, a, b}, []int{ok, ok, refused, ok}},
		{"the proxy's hop counts, the client's do not", ServerConfig{MaxConnsPerIP: 1, TrustProxy: true},
			[]string{"192.0.2.1, " + a, "192.0.2.2," + a}, []int{ok, refused}},
		{"forwarded loopback is exempt", ServerConfig{MaxConnsPerIP: 1, TrustProxy: true}, []string{"127.0.0.1", "::1", "127.0.0.1"}, []int{ok, ok, ok}},
		{"IPv6 by /64", ServerConfig{MaxConnsPerIP: 1, TrustProxy: true},
			[]string{"2001:db8::1", "2001:db8::2", "2001:db8:0:1::1"}, []int{ok, refused, ok}},
		{"IPv4-mapped is IPv4", ServerConfig{MaxConnsPerIP: 1, TrustProxy: true}, []string{"::ffff:" + a, a}, []int{ok, refused}},
		{"unparsable forwarded is the proxy", ServerConfig{MaxConnsPerIP: 1, TrustProxy: true}, []string{"unknown", "unknown"}, []int{ok, ok}},
		{"disabled", ServerConfig{MaxConnsPerIP: -1, TrustProxy: true}, []string{a, a, a}, []int{ok, ok, ok}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, url := testServer(t, tc.cfg)
			nrefused := 0
			for i, xff := range tc.xff {
				h := http.Header{}
				if xff != "" {
					h.Set("X-Forwarded-For", xff)
				}
				if got := dialStatus(t, url, h); got != tc.codes[i] {
					t.Fatalf("dial %d (%q): HTTP %d, want %d", i, xff, got, tc.codes[i])
				}
				if tc.codes[i] == refused {
					nrefused++
				}
			}
			if got := testutil.ToFloat64(s.metrics.perIPRefused); got != float64(nrefused) {
				t.Fatalf("per_ip_refused_total = %v, want %d", got, nrefused)
			}
		})
	}
}

// A connection's end gives its address's slot back.
func TestPerIPSlotFreed(t *testing.T) {
	s, url := testServer(t, ServerConfig{MaxConnsPerIP: 1, TrustProxy: true})
	closed := closeWatch(s)
	h := http.Header{"X-Forwarded-For": {"203.0.113.7"}}
	c := dialRawHeader(t, url, h)
	c.barrier()
	if got := dialStatus(t, url, h); got != http.StatusTooManyRequests {
		t.Fatalf("second connection: HTTP %d", got)
	}
	c.ws.Close()
	awaitClosed(t, closed)
	dialRawHeader(t, url, h).barrier()
}

func TestExposedWithoutTokens(t *testing.T) {
	tcp := func(ip string) net.Addr { return &net.TCPAddr{IP: net.ParseIP(ip), Port: 8080} }
	cases := []struct {
		addr   net.Addr
		tokens bool
		want   bool
	}{
		{tcp("0.0.0.0"), false, true},
		{tcp("::"), false, true},
		{&net.TCPAddr{Port: 8080}, false, true}, // ":8080"
		{tcp("192.168.1.5"), false, true},
		{tcp("2001:db8::1"), false, true},
		{tcp("127.0.0.1"), false, false},
		{tcp("127.0.0.2"), false, false},
		{tcp("::1"), false, false},
		{tcp("::ffff:127.0.0.1"), false, false},
		{tcp("0.0.0.0"), true, false},
		{tcp("192.168.1.5"), true, false},
		{&net.UnixAddr{Name: "/tmp/s.sock", Net: "unix"}, false, false},
		{nil, false, false},
	}
	for _, tc := range cases {
		if got := ExposedWithoutTokens(tc.addr, tc.tokens); got != tc.want {
			t.Errorf("ExposedWithoutTokens(%v, %v) = %v, want %v", tc.addr, tc.tokens, got, tc.want)
		}
	}
}
