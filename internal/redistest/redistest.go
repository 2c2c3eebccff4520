// Package redistest runs a redis-server of a test's own: on a free
// loopback port, without persistence, stopped when the test ends.
package redistest

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// Server is a running redis-server.
type Server struct {
	URL  string // redis://127.0.0.1:PORT/0
	Addr string
	bin  string
	cmd  *exec.Cmd
}

// Start runs redis-server, skipping the test when it is not installed and
// CI is unset (failing it when CI is set).
func Start(t testing.TB) *Server {
	t.Helper()
	bin := mediatest.RequireTool(t, "redis-server")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &Server{URL: "redis://" + addr + "/0", Addr: addr, bin: bin}
	s.Restart(t)
	t.Cleanup(s.Kill)
	return s
}

// Kill stops the server at once, as a crash would; its data is gone.
func (s *Server) Kill() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		s.cmd = nil
	}
}

// Restart starts the server again on the same port, empty, and waits
// until it answers.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Kill()
	_, port, _ := net.SplitHostPort(s.Addr)
	p, _ := strconv.Atoi(port)
	s.cmd = exec.Command(s.bin, "--port", strconv.Itoa(p), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning")
	// It dies with the test process, even one that panics or times out.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for rdb.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s did not answer within 10 s", s.Addr)
		}
		time.Sleep(10 * time.Millisecond) // a starting process gives no event to wait on
	}
}

// String is the server's URL.
func (s *Server) String() string { return fmt.Sprint(s.URL) }
