package app

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/signal"
)

// logWatch is a slog handler that says when a message containing want has
// been logged.
type logWatch struct {
	want string
	seen chan struct{}
}

func newLogWatch(want string) *logWatch { return &logWatch{want: want, seen: make(chan struct{}, 1)} }

func (w *logWatch) Enabled(context.Context, slog.Level) bool { return true }
func (w *logWatch) WithAttrs([]slog.Attr) slog.Handler       { return w }
func (w *logWatch) WithGroup(string) slog.Handler            { return w }
func (w *logWatch) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, w.want) {
		select {
		case w.seen <- struct{}{}:
		default:
		}
	}
	return nil
}

// runServer serves signaling on ln until the returned stop is called.
func runServer(t *testing.T, ln net.Listener) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- signal.NewServer(signal.ServerConfig{}).Serve(ctx, ln) }()
	return func() {
		cancel()
		within(t, done, "the signaling server to stop")
	}
}

// A signaling server restarted after a receiver has its recording: both
// come back under new ids, and the sender, which keeps serving newcomers,
// must not play the file to the same receiver process a second time.
func TestServerRestartNoSecondCopy(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	stop := runServer(t, ln)
	url := "ws://" + addr + "/ws"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	recorded := make(chan string, 4)
	out := t.TempDir()
	declined := newLogWatch("not starting again")
	rctx, stopReceiving := context.WithCancel(ctx)
	rep := receiveAsync(rctx, ReceiveConfig{Signal: signal.ClientConfig{URL: url, Room: "restart"}, Out: out, Logger: slog.New(declined),
		OnFile: func(path string, _ *TrackReport) { recorded <- path }})
	sctx, stopSending := context.WithCancel(ctx)
	sent := make(chan *Report, 1)
	go func() {
		r, _ := Send(sctx, SendConfig{Signal: signal.ClientConfig{URL: url, Room: "restart", Name: "snd"},
			Files: []string{testdata("vp8.ivf"), testdata("opus-mono.ogg")}})
		sent <- r
	}()
	within(t, recorded, "the first file")
	within(t, recorded, "the second file")

	stop()
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s again: %v", addr, err)
	}
	stop = runServer(t, ln)
	defer stop()
	within(t, declined.seen, "the receiver to decline the sender met again")

	stopSending()
	srep := within(t, sent, "send to return")
	stopReceiving()
	r := rep.wait(t)
	if len(r.Tracks) != 2 {
		t.Fatalf("receiver recorded %d tracks; want the 2 of one playback", len(r.Tracks))
	}
	compareIVF(t, testdata("vp8.ivf"), findFile(t, r, "snd", "video"), false)
	var files []string
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 2 {
		t.Fatalf("files %v; want one video and one audio", files)
	}
	var frames int64
	for _, tr := range srep.Tracks {
		if !tr.Complete {
			frames += tr.Frames
		}
	}
	if frames != 0 {
		t.Fatalf("the sender sent %d frames beyond the complete playback: %+v", frames, srep.Tracks)
	}
}
