package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"
)

// statusLine shows progress: a line rewritten in place on a terminal, a log
// line otherwise, at most every statusEvery when it changes and every
// statusHeartbeat when it does not.
type statusLine struct {
	w     io.Writer
	tty   bool
	log   *slog.Logger
	now   func() time.Time
	mu    sync.Mutex
	last  time.Time
	line  string // the last shown
	shown bool
}

const (
	statusEvery     = 5 * time.Second
	statusHeartbeat = time.Minute
)

func newStatusLine(w io.Writer, log *slog.Logger) *statusLine {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &statusLine{w: w, tty: tty, log: log, now: time.Now}
}

func (s *statusLine) show(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tty {
		if line != s.line || !s.shown {
			fmt.Fprintf(s.w, "\r\033[K%s", line)
			s.line, s.shown = line, true
		}
		return
	}
	since := s.now().Sub(s.last)
	if (line != s.line && since >= statusEvery) || since >= statusHeartbeat {
		s.last, s.line = s.now(), line
		s.log.Info("progress", "status", line)
	}
}

// done ends the live line so that what follows starts on its own line.
func (s *statusLine) done() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shown {
		fmt.Fprintln(s.w)
		s.shown = false
	}
}
