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
// line every few seconds otherwise.
type statusLine struct {
	w     io.Writer
	tty   bool
	log   *slog.Logger
	mu    sync.Mutex
	last  time.Time
	shown bool
}

func newStatusLine(w io.Writer, log *slog.Logger) *statusLine {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &statusLine{w: w, tty: tty, log: log}
}

func (s *statusLine) show(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tty {
		fmt.Fprintf(s.w, "\r\033[K%s", line)
		s.shown = true
		return
	}
	if time.Since(s.last) >= 5*time.Second {
		s.last = time.Now()
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
