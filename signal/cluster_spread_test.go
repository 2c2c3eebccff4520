package signal

import (
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/webrtc-cli/webrtc-cli/internal/redistest"
)

const clusterEnv = "WEBRTC_CLI_TEST_CLUSTER"

// The protocol tests again, each client on the next of three instances
// sharing one Redis: the cluster must behave as one server.
func TestProtocolAcrossInstances(t *testing.T) {
	if os.Getenv(clusterEnv) != "" {
		t.Skip("already across instances")
	}
	redistest.Start(t) // skips or fails here when redis-server is missing
	cmd := exec.Command(os.Args[0], "-test.run=^("+strings.Join(spreadTests, "|")+")$", "-test.count=1")
	cmd.Env = append(os.Environ(), clusterEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the protocol tests across three instances failed: %v\n%s", err, out)
	}
}

// spreadTests are the protocol tests that only look at what clients see
// (tests of one server's internals, metrics or limits are left out).
var spreadTests = []string{
	// TestErrors and TestRoleDialect are left out: their clients join
	// and leave with nothing to wait on (one room reused by subtests,
	// the role dialect has no reply to its join), which across instances
	// shows presence still on its way; TestClusterRoleDialect covers the
	// role dialect with waits.
	"TestWelcomeAndPresence", "TestRelayStampsFrom", "TestQueryFillsJoin",
	"TestActionDialect", "TestRateLimit", "TestTooLargeCloses1009",
	"TestClientRelay", "TestClientRefused", "TestServerTokens", "TestTokenRefusalText",
	"TestPingBeforeJoin", "TestJoinTimeout",
	"TestResumeKeepsIDAndDeliversQueue", "TestResumeTakesOverLiveConnection", "TestResumeNeedsSameRoom",
}

// spreadServer is testServer for a cluster of three behind a proxy.
func spreadServer(t testing.TB, cfg ServerConfig) (*Server, string) {
	t.Helper()
	cfg.Redis = redistest.Start(t).URL
	var srvs []*Server
	var addrs []string
	for range 3 {
		s, u := testServerAlone(t, cfg)
		waitReady(t, s)
		srvs = append(srvs, s)
		addrs = append(addrs, strings.TrimSuffix(strings.TrimPrefix(u, "ws://"), "/ws"))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var open []net.Conn
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b, err := net.Dial("tcp", addrs[next.Add(1)%3])
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			open = append(open, c, b)
			mu.Unlock()
			pipe := func(dst, src net.Conn) {
				io.Copy(dst, src)
				dst.Close()
				src.Close()
			}
			wg.Go(func() { pipe(b, c) })
			wg.Go(func() { pipe(c, b) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range open {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return srvs[0], "ws://" + ln.Addr().String() + "/ws"
}
