package app

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/peer"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// BenchmarkRelayedStreams is BenchmarkStreams through a TURN relay: one
// sender that takes relays only (--relay-only) serving N receivers, so
// every 1 Mbit/s stream crosses the TURN server of a `serve --turn` in a
// process of its own. It reports frames lost and the serve process's CPU
// per relayed stream-second (the relay's whole cost: that serve does no
// signaling here), besides the CPU of both ends in this process.
// TURN_STREAMS=a,b,c overrides the counts.
func BenchmarkRelayedStreams(b *testing.B) {
	counts := countsFromEnv("TURN_STREAMS", 10, 50, 100)
	const seconds = 5
	file := synthVP8(b, 1_000_000, seconds)
	cli := goBuild(b, b.TempDir(), "./cmd/webrtc-cli")
	for _, n := range counts {
		b.Run(fmt.Sprintf("streams=%d", n), func(b *testing.B) {
			secret := "bench-" + strconv.Itoa(n)
			turnPort, turnProc := startTURNProcess(b, cli, secret)
			s := signal.NewServer(signal.ServerConfig{RoomSize: n + 1, Rate: -1,
				TURN: &signal.TURNAuth{Secret: []byte(secret), Port: turnPort}})
			url := serveForBench(b, s)
			for i := range b.N {
				room := fmt.Sprint("relayed", i)
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				reps, wait := joinedReceivers(b, ctx, url, room, n)
				cpu0, serve0, wall0 := cpuTime(), procCPU(b, turnProc), time.Now()
				rep, err := Send(ctx, SendConfig{Signal: signal.ClientConfig{URL: url, Room: room}, Files: []string{file}, Receivers: n,
					Net: peer.NetOptions{RelayOnly: true}})
				if err != nil {
					b.Fatal(err)
				}
				wait()
				cpu, serveCPU, wall := cpuTime()-cpu0, procCPU(b, turnProc)-serve0, time.Since(wall0)
				cancel()
				relayed := 0
				for _, t := range rep.Tracks {
					if t.Route != nil && t.Route.Local.Type == "relay" {
						relayed++
					}
				}
				if relayed != n {
					b.Errorf("%d of %d streams went through the relay", relayed, n)
				}
				reportStreams(b, reps, seconds, cpu, wall, "stream")
				b.ReportMetric(serveCPU.Seconds()/float64(n*seconds), "serve-cpu-s/stream-s")
			}
		})
	}
}

// startTURNProcess runs `serve --turn` on loopback in a process of its own
// and returns its TURN port. Loopback is the peers' only network here, so
// relays may reach it (--turn-allow-private); one credential holds every
// relay of the sender.
func startTURNProcess(b *testing.B, cli, secret string) (int, *proc) {
	b.Helper()
	cmd := exec.Command(cli, "serve", "--addr", "127.0.0.1:0", "--turn", "127.0.0.1:0", "--turn-secret", secret,
		"--turn-allow-private", "--turn-bandwidth", "0", "--turn-max-allocations", "10000", "--turn-max-allocations-per-user", "10000")
	p := startProc(b, "serve --turn", cmd)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	re := regexp.MustCompile(`TURN server listening" udp=127\.0\.0\.1:(\d+)`)
	p.waitFor(b, ctx, "the TURN server", func(out string) bool { return re.MatchString(out) })
	port, _ := strconv.Atoi(re.FindStringSubmatch(p.output())[1])
	return port, p
}

// procCPU is the user and system CPU time of p so far.
func procCPU(b *testing.B, p *proc) time.Duration {
	b.Helper()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command's name, which is in parentheses: utime
	// and stime are the 12th and 13th, in clock ticks of 1/100 s.
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}
