package signal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestClientGivesUp kills the server for good: the client says so once,
// logs every attempt at debug and some at info, and gives up after
// ReconnectTimeout with an error that says what to check.
func TestClientGivesUp(t *testing.T) {
	s := NewServer(ServerConfig{})
	hs := httptest.NewServer(s)
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws"
	// Written by the client's goroutine only, which has ended when Events
	// is closed.
	var logs bytes.Buffer
	const limit = 400 * time.Millisecond
	c := dialClient(t, ClientConfig{URL: url, Room: "r", ReconnectTimeout: limit,
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if d := dialClient(t, ClientConfig{URL: url, Room: "r"}); d.cfg.ReconnectTimeout != 2*time.Minute {
		t.Errorf("default ReconnectTimeout %v", d.cfg.ReconnectTimeout)
	}

	hs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	event(t, c, TypeDisconnected)
	start := time.Now()
	awaitEventsClosed(t, c)
	if took := time.Since(start); took < limit-50*time.Millisecond {
		t.Errorf("gave up after %v; want %v", took, limit)
	}

	err := c.Err()
	for _, want := range []string{"signaling server unreachable for 400ms: ", "is `webrtc-cli serve` running at " + url + "?"} {
		if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), want) {
			t.Errorf("Err() = %v; want ErrUnreachable saying %q", err, want)
		}
	}
	if err := c.Bye("p"); !errors.Is(err, ErrDisconnected) || !errors.Is(err, ErrUnreachable) {
		t.Errorf("Bye after giving up: %v", err)
	}

	var connected, lost, attempts, still int
	for line := range strings.Lines(logs.String()) {
		var rec struct {
			Level, Msg, Server string
			Attempt            int
			NextIn             *time.Duration `json:"next_in"` // 0 when the limit is that close
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		switch {
		case rec.Msg == "signaling connected" && rec.Level == "INFO" && rec.Server == url:
			connected++
			continue
		case rec.Msg == "signaling connection lost; reconnecting" && rec.Level == "WARN" && rec.Server == url:
			lost++
			continue
		case rec.Msg == "reconnect failed" && rec.Level == "DEBUG":
		case rec.Msg == "still reconnecting to the signaling server" && rec.Level == "INFO" && rec.NextIn != nil && *rec.NextIn >= 0:
			still++
		default:
			t.Errorf("unexpected log line %s", line)
		}
		if attempts++; rec.Attempt != attempts {
			t.Errorf("line for attempt %d after %d attempts: %s", rec.Attempt, attempts-1, line)
		}
	}
	// Every attempt is logged, with one "still reconnecting" line every
	// limit/4 at most: the first attempt's, and the second one's, 100 ms
	// or more later.
	if connected != 1 || lost != 1 || attempts < 2 || still < 2 {
		t.Errorf("%d connected lines, %d connection lost lines, %d attempts, %d still reconnecting lines:\n%s", connected, lost, attempts, still, logs.String())
	}
}
