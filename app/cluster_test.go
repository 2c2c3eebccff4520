package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/internal/redistest"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// A call across the instances of a cluster (serve --redis): the sender on
// one instance, the receiver on another.

// clusterInstance runs an in-process instance of the cluster of redisURL
// and waits until it takes joins; it returns its WebSocket URL.
func clusterInstance(t *testing.T, redisURL string) string {
	t.Helper()
	s := signal.NewServer(signal.ServerConfig{Redis: redisURL, Logger: testLogger(t)})
	url := wsURL(serveHTTP(t, s).URL)
	deadline := time.Now().Add(10 * time.Second)
	for !s.ClusterReady() {
		if time.Now().After(deadline) {
			t.Fatal("the instance did not reach Redis within 10 s")
		}
		time.Sleep(5 * time.Millisecond) // readiness has no event to wait on
	}
	return url
}

func TestSendReceiveAcrossInstances(t *testing.T) {
	rds := redistest.Start(t)
	urls := []string{clusterInstance(t, rds.URL), clusterInstance(t, rds.URL)}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep := receiveAsync(ctx, ReceiveConfig{Signal: signal.ClientConfig{URL: urls[1], Room: "across", Name: "rec"},
		Out: t.TempDir(), Count: 1, Logger: testLogger(t)})
	sent := make(chan error, 1)
	go func() {
		_, err := Send(ctx, SendConfig{Signal: signal.ClientConfig{URL: urls[0], Room: "across", Name: "snd"},
			Files: []string{testdata("vp8.ivf"), testdata("opus-stereo.ogg")}, Receivers: 1, Logger: testLogger(t)})
		sent <- err
	}()
	if err := within(t, sent, "send to return"); err != nil {
		t.Fatalf("send: %v", err)
	}
	r := rep.wait(t)
	compareIVF(t, testdata("vp8.ivf"), findFile(t, r, "snd", "video"), false)
	compareOgg(t, testdata("opus-stereo.ogg"), findFile(t, r, "snd", "audio"))
}

// buildCLI builds webrtc-cli into a directory of the test's.
func buildCLI(t *testing.T) string {
	t.Helper()
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	bin := filepath.Join(t.TempDir(), "webrtc-cli")
	cmd := exec.Command(gobin, "build", "-o", bin, "github.com/webrtc-cli/webrtc-cli/cmd/webrtc-cli")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// serveLog is a child serve's JSON log: kept for failures, and it says
// when the instance serves and on what URL.
type serveLog struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	partial []byte
	url     string
	serving chan string // the URL, once the instance is in the cluster
}

func (l *serveLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		var rec struct{ Msg, URL string }
		if json.Unmarshal(l.partial[:i], &rec) == nil {
			switch rec.Msg {
			case "signaling server listening":
				l.url = rec.URL
			case "serving as one instance of the cluster":
				select {
				case l.serving <- l.url:
				default:
				}
			}
		}
		l.partial = l.partial[i+1:]
	}
	return len(p), nil
}

func (l *serveLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// startServe runs `webrtc-cli serve --redis` as a child on a free loopback
// port and returns it and its URL once it serves. It is killed at
// cleanup, and with the test process.
func startServe(t *testing.T, bin, redisURL string, args ...string) (*exec.Cmd, string, *serveLog) {
	t.Helper()
	log := &serveLog{serving: make(chan string, 1)}
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--redis", redisURL,
		"--log-format", "json", "--log-level", "debug"}, args...)...)
	cmd.Stdout = log
	cmd.Stderr = log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("log of serve %v:\n%s", args, log)
		}
	})
	select {
	case u := <-log.serving:
		return cmd, u, log
	case err := <-exited:
		exited <- err
		t.Fatalf("serve exited: %v\n%s", err, log)
	case <-time.After(30 * time.Second):
		t.Fatalf("serve not serving within 30 s:\n%s", log)
	}
	return nil, "", nil
}

// records keeps the log records of a client, to look at afterwards.
type records struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (r *records) Enabled(context.Context, slog.Level) bool { return true }
func (r *records) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *records) WithGroup(string) slog.Handler            { return r }
func (r *records) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec.Clone())
	return nil
}

// find returns the attributes of the records whose message is msg.
func (r *records) find(msg string) []map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []map[string]string
	for _, rec := range r.recs {
		if rec.Message != msg {
			continue
		}
		attrs := map[string]string{}
		rec.Attrs(func(a slog.Attr) bool {
			attrs[a.Key] = a.Value.String()
			return true
		})
		out = append(out, attrs)
	}
	return out
}

func (r *records) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, rec := range r.recs {
		fmt.Fprintf(&b, "%s %s %s", rec.Time.Format("15:04:05.000"), rec.Level, rec.Message)
		rec.Attrs(func(a slog.Attr) bool {
			fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
			return true
		})
		b.WriteByte('\n')
	}
	return b.String()
}

// The sender's instance is killed mid-stream (SIGKILL: no close frame, no
// leave): the call goes on, its media being peer to peer, the recording
// is frame-exact, and the sender's signaling moves to the surviving
// instance, resuming its session there.
func TestCallSurvivesInstanceKill(t *testing.T) {
	rds := redistest.Start(t)
	bin := buildCLI(t)
	child, dying, childLog := startServe(t, bin, rds.URL, "--heartbeat-timeout", "2s")
	surviving := clusterInstance(t, rds.URL)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	killedAt := make(chan time.Time, 1)
	var once sync.Once
	kill := func() {
		once.Do(func() {
			if err := child.Process.Signal(syscall.SIGKILL); err != nil {
				t.Errorf("kill: %v", err)
			}
			killedAt <- time.Now()
		})
	}
	recvLog, sendLog := &records{}, &records{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("receiver's log:\n%s\nsender's log:\n%s", recvLog, sendLog)
		}
	})
	rep := receiveAsync(ctx, ReceiveConfig{Signal: signal.ClientConfig{URL: surviving, Room: "kill", Name: "rec"},
		Out: t.TempDir(), Count: 1, Logger: slog.New(recvLog), onFirstFrame: kill})
	sent := make(chan error, 1)
	go func() {
		_, err := Send(ctx, SendConfig{
			// The dying instance first; the surviving one to fail
			// over to. A reconnect that never succeeds must not end
			// the send before the file does.
			Signal: signal.ClientConfig{URL: dying, URLs: []string{surviving}, Room: "kill", Name: "snd", ReconnectTimeout: time.Minute},
			Files:  []string{testdata("vp8.ivf"), testdata("opus-stereo.ogg")}, Receivers: 1, Logger: slog.New(sendLog)})
		sent <- err
	}()
	if err := within(t, sent, "send to return"); err != nil {
		t.Fatalf("send: %v", err)
	}
	r := rep.wait(t)
	var killed time.Time
	select {
	case killed = <-killedAt:
	default:
		t.Fatal("the sender's instance was never killed: no frame reached the receiver")
	}
	t.Logf("the sender's instance was killed at the receiver's first frame; the call ended %v later",
		time.Since(killed).Round(time.Millisecond))
	compareIVF(t, testdata("vp8.ivf"), findFile(t, r, "snd", "video"), false)
	compareOgg(t, testdata("opus-stereo.ogg"), findFile(t, r, "snd", "audio"))

	// Signaling moved to the surviving instance and resumed the session.
	re := sendLog.find("signaling reconnected")
	if len(re) == 0 {
		t.Fatalf("the sender's signaling never reconnected after its instance was killed (%s)", childLog.url)
	}
	t.Logf("the sender's signaling reconnected: %v", re[0])
	if re[0]["server"] != surviving {
		t.Errorf("the sender reconnected to %s; want the surviving instance %s", re[0]["server"], surviving)
	}
	if re[0]["resumed"] != "true" {
		t.Errorf("the sender's session was not resumed on the surviving instance: %v", re[0])
	}
	if first := childLog.joined("snd"); re[0]["id"] != first {
		t.Errorf("the sender is %s on the surviving instance; it joined the killed one as %q", re[0]["id"], first)
	}
}

// joined is the id under which the peer named name joined, from the log.
func (l *serveLog) joined(name string) string {
	for line := range strings.Lines(l.String()) {
		var rec struct{ Msg, ID, Name string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "peer joined" && rec.Name == name {
			return rec.ID
		}
	}
	return ""
}
