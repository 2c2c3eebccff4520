package peer

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// ParsePortRange parses "MIN-MAX" UDP ports.
func ParsePortRange(s string) (lo, hi uint16, err error) {
	a, b, ok := strings.Cut(s, "-")
	l, err1 := strconv.ParseUint(strings.TrimSpace(a), 10, 16)
	h, err2 := strconv.ParseUint(strings.TrimSpace(b), 10, 16)
	if !ok || err1 != nil || err2 != nil || l == 0 || l > h {
		return 0, 0, fmt.Errorf("UDP port range %q: want MIN-MAX, e.g. 50000-50100", s)
	}
	return uint16(l), uint16(h), nil
}

// ICEServers converts the protocol's ICE servers to pion's.
func ICEServers(list []signal.ICEServer) []webrtc.ICEServer {
	out := make([]webrtc.ICEServer, 0, len(list))
	for _, s := range list {
		out = append(out, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
	}
	return out
}

func (s SendStatus) String() string {
	return fmt.Sprintf("receivers %d, done %d | %d frames, %s | RTT %s, loss %.1f%%",
		s.Receivers, s.Completed, s.Frames, byteCount(s.Bytes), s.RTT.Round(100*time.Microsecond), 100*s.Loss)
}

func (s ReceiveStatus) String() string {
	return fmt.Sprintf("recording %d tracks, done %d | %d frames, %s", s.Tracks, s.Completed, s.Frames, byteCount(s.Bytes))
}

func byteCount(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// every calls f each period until ctx ends: the progress callbacks of send
// and receive.
func every(ctx context.Context, period time.Duration, f func()) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}
