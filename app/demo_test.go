package app

import (
	"context"
	"errors"
	"log/slog"
	"testing"
)

// cancelOn is a log handler that cancels a context when a message is
// logged: a hook into the middle of Demo without changing it.
type cancelOn struct {
	msg    string
	cancel context.CancelFunc
}

func (h cancelOn) Enabled(context.Context, slog.Level) bool { return true }
func (h cancelOn) Handle(_ context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.cancel()
	}
	return nil
}
func (h cancelOn) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h cancelOn) WithGroup(string) slog.Handler      { return h }

// Ctrl-C in the middle of the demo (here: as soon as a track is being
// recorded) is an interruption, not "did not finish within a minute".
func TestDemoInterrupted(t *testing.T) {
	for _, at := range []string{"joined room; waiting for senders", "recording track"} {
		ctx, cancel := context.WithCancel(context.Background())
		res, err := Demo(ctx, t.TempDir(), slog.New(cancelOn{msg: at, cancel: cancel}))
		cancel()
		if !errors.Is(err, ErrInterrupted) {
			t.Fatalf("interrupted at %q: %+v, %v; want ErrInterrupted", at, res, err)
		}
	}
}
