package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/signal"
)

// A recording the sender did not finish says so, in the report and to
// OnFile (the listing on standard output); a finished one is complete
// (issue 9, item 8).
func TestIncompleteRecordingMarked(t *testing.T) {
	url := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	first := make(chan struct{}, 2) // one per track
	// The receiver sees the sender leave; it would record on, waiting for
	// more, so stop it once both files are closed.
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	var closed atomic.Int32
	rep := receiveAsync(rctx, ReceiveConfig{Signal: signal.ClientConfig{URL: url, Room: "cut"}, Out: t.TempDir(),
		OnFile: func(string, *TrackReport) {
			if closed.Add(1) == 2 {
				stop()
			}
		},
		onFirstFrame: func() {
			select {
			case first <- struct{}{}:
			default:
			}
		}})
	sctx, kill := context.WithCancel(ctx)
	sent := make(chan error, 1)
	go func() {
		_, err := Send(sctx, SendConfig{Signal: signal.ClientConfig{URL: url, Room: "cut", Name: "snd"}, Files: []string{testdata("vp8.ivf"), testdata("opus-stereo.ogg")}})
		sent <- err
	}()
	within(t, first, "the first frame of one track")
	within(t, first, "the first frame of the other")
	kill() // the sender goes away halfway
	within(t, sent, "send to return")
	r := rep.wait(t)
	if len(r.Tracks) != 2 {
		t.Fatalf("tracks %+v", r.Tracks)
	}
	for _, tr := range r.Tracks {
		if tr.Complete || !strings.Contains(tr.Incomplete, "sender ended without finishing") {
			t.Errorf("%s: complete %v, incomplete %q", tr.Kind, tr.Complete, tr.Incomplete)
		}
	}

	whole := transfer(t, session{url: url, room: "whole"}, []string{testdata("vp8.ivf"), testdata("opus-stereo.ogg")})[0]
	for _, tr := range whole.Tracks {
		if !tr.Complete || tr.Incomplete != "" {
			t.Errorf("a finished %s recording: complete %v, incomplete %q", tr.Kind, tr.Complete, tr.Incomplete)
		}
	}
}

// A receiver that records nothing says so, fails with --count, and leaves
// no empty folder behind (issue 9, item 9).
func TestReceiveNothingRecorded(t *testing.T) {
	url := startServer(t)
	out := filepath.Join(t.TempDir(), "rec")
	rep, err := Receive(context.Background(), ReceiveConfig{Signal: signal.ClientConfig{URL: url, Room: "empty"}, Out: out, Duration: 300 * time.Millisecond, Count: 1})
	if !errors.Is(err, ErrNothingRecorded) || rep == nil || len(rep.Tracks) != 0 {
		t.Fatalf("err %v, report %+v; want ErrNothingRecorded", err, rep)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("--out was created with nothing in it: %v", err)
	}
	// Without --count, nothing recorded is not an error.
	if _, err := Receive(context.Background(), ReceiveConfig{Signal: signal.ClientConfig{URL: url, Room: "empty"}, Out: out, Duration: 300 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	// A server that is not there leaves nothing behind either.
	if _, err := Receive(context.Background(), ReceiveConfig{Signal: signal.ClientConfig{URL: "ws://127.0.0.1:1/ws", Room: "x", NoReconnect: true}, Out: out}); err == nil {
		t.Fatal("receive from no server succeeded")
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a failed connection left --out behind: %v", err)
	}
}
