package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// Off a terminal, progress is logged when it changed (at most every
// statusEvery) and, unchanged, only as a heartbeat.
func TestStatusLineLogsChangesAndHeartbeat(t *testing.T) {
	var logs bytes.Buffer
	s := newStatusLine(&bytes.Buffer{}, slog.New(slog.NewTextHandler(&logs, nil)))
	now := time.Unix(1000, 0)
	s.now = func() time.Time { return now }
	steps := []struct {
		after time.Duration
		line  string
		shown bool
	}{
		{0, "a", true},
		{time.Second, "b", false},                  // changed, but too soon
		{statusEvery, "b", true},                   // changed since the last shown
		{statusEvery, "b", false},                  // unchanged
		{statusHeartbeat - statusEvery, "b", true}, // heartbeat
		{statusEvery, "c", true},
	}
	for i, st := range steps {
		now = now.Add(st.after)
		before := strings.Count(logs.String(), "\n")
		s.show(st.line)
		if shown := strings.Count(logs.String(), "\n") > before; shown != st.shown {
			t.Fatalf("step %d (%q after %v): logged %v; want %v\n%s", i, st.line, st.after, shown, st.shown, logs.String())
		}
	}
}
