package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media"
	"github.com/webrtc-cli/webrtc-cli/media/sample"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// ErrInterrupted is a demo stopped by its caller (Ctrl-C) before the end.
var ErrInterrupted = errors.New("the demo was interrupted")

// DemoResult is what Demo measured.
type DemoResult struct {
	Dir              string
	TimeToFirstFrame time.Duration // receiver's call start to first frame on disk
	Elapsed          time.Duration
	Tracks           []DemoTrack
}

// DemoTrack compares one recorded track with its source.
type DemoTrack struct {
	Kind, Codec   string
	SourceFile    string
	RecordingFile string
	media.Comparison
}

// Identical reports whether every track arrived byte for byte.
func (r *DemoResult) Identical() bool {
	for _, t := range r.Tracks {
		if !t.Exact() {
			return false
		}
	}
	return len(r.Tracks) > 0
}

// Demo runs a signaling server, a receiver and a sender on loopback in
// this process, streams the embedded sample and compares what was
// recorded with what was sent.
func Demo(ctx context.Context, dir string, log *slog.Logger) (*DemoResult, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	video, audio, err := sample.WriteTo(filepath.Join(dir, "source"))
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	sctx, stopServer := context.WithCancel(ctx)
	defer stopServer()
	served := make(chan error, 1)
	go func() { served <- signal.NewServer(signal.ServerConfig{Logger: log}).Serve(sctx, ln) }()
	url := "ws://" + ln.Addr().String() + "/ws"

	start := time.Now()
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	// A stop that Ctrl-C caused is not a failure of the demo.
	stopped := func(err error) error {
		if parent.Err() != nil {
			return ErrInterrupted
		}
		return err
	}
	type result struct {
		rep *Report
		err error
	}
	recv := make(chan result, 1)
	joined := make(chan struct{})
	go func() {
		rep, err := Receive(ctx, ReceiveConfig{
			Signal: signal.ClientConfig{URL: url, Room: "demo", Name: "receiver"},
			Out:    filepath.Join(dir, "recordings"), Count: 1, Logger: log,
			onJoined: func(string) { close(joined) },
		})
		recv <- result{rep, err}
	}()
	select {
	case <-joined:
	case r := <-recv:
		return nil, stopped(fmt.Errorf("receiver: %w", r.err))
	}
	if _, err := Send(ctx, SendConfig{
		Signal: signal.ClientConfig{URL: url, Room: "demo", Name: "sender"},
		Files:  []string{video, audio}, Receivers: 1, Logger: log,
	}); err != nil {
		cancel()
		<-recv // the receiver ends with the context: do not leave it running
		return nil, stopped(fmt.Errorf("sender: %w", err))
	}
	r := <-recv
	if r.err != nil {
		return nil, stopped(fmt.Errorf("receiver: %w", r.err))
	}
	if ctx.Err() != nil {
		return nil, stopped(errors.New("the demo did not finish within a minute"))
	}
	stopServer()
	<-served

	res := &DemoResult{Dir: dir, Elapsed: time.Since(start)}
	for _, t := range r.rep.Tracks {
		if t.Error != "" {
			return res, fmt.Errorf("recording %s: %s", t.Kind, t.Error)
		}
		src := video
		if t.Kind == "audio" {
			src = audio
		}
		cmp, err := media.Compare(src, t.File)
		if err != nil {
			return res, err
		}
		if ff := time.Duration(t.FirstFrameMs * float64(time.Millisecond)); res.TimeToFirstFrame == 0 || ff < res.TimeToFirstFrame {
			res.TimeToFirstFrame = ff
		}
		res.Tracks = append(res.Tracks, DemoTrack{Kind: t.Kind, Codec: t.Codec, SourceFile: src, RecordingFile: t.File, Comparison: cmp})
	}
	slices.SortFunc(res.Tracks, func(a, b DemoTrack) int { return strings.Compare(b.Kind, a.Kind) }) // video first
	return res, nil
}
