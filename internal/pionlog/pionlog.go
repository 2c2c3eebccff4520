// Package pionlog routes pion's logs into slog.
package pionlog

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// New routes pion's logs into l. pion is chatty at info level about
// routine ICE events, so everything but errors goes out at debug, and its
// errors (a peer that went away, mostly) at warn.
func New(l *slog.Logger) logging.LoggerFactory {
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	return slogFactory{l}
}

type slogFactory struct{ l *slog.Logger }

func (f slogFactory) NewLogger(scope string) logging.LeveledLogger {
	return slogLeveled{f.l.With("pion", scope)}
}

type slogLeveled struct{ l *slog.Logger }

func (s slogLeveled) log(level slog.Level, msg string) {
	if s.l.Enabled(context.Background(), level) {
		s.l.Log(context.Background(), level, msg)
	}
}
func (s slogLeveled) Trace(msg string)                  {}
func (s slogLeveled) Tracef(format string, args ...any) {}
func (s slogLeveled) Debug(msg string)                  { s.log(slog.LevelDebug, msg) }
func (s slogLeveled) Debugf(format string, args ...any) { s.Debug(fmt.Sprintf(format, args...)) }
func (s slogLeveled) Info(msg string)                   { s.log(slog.LevelDebug, msg) }
func (s slogLeveled) Infof(format string, args ...any)  { s.Info(fmt.Sprintf(format, args...)) }
func (s slogLeveled) Warn(msg string)                   { s.log(slog.LevelDebug, msg) }
func (s slogLeveled) Warnf(format string, args ...any)  { s.Warn(fmt.Sprintf(format, args...)) }
func (s slogLeveled) Error(msg string)                  { s.log(slog.LevelWarn, msg) }
func (s slogLeveled) Errorf(format string, args ...any) { s.Error(fmt.Sprintf(format, args...)) }
