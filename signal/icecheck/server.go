package icecheck

import (
	"context"
	"errors"
	"math"
	"net"
	"time"

	"github.com/webrtc-cli/webrtc-cli/signal"
)

// checkURL checks one URL of srv.
func checkURL(ctx context.Context, cfg Config, srv signal.ICEServer, raw string) ServerResult {
	t, err := ParseURL(raw)
	if err != nil {
		r := ServerResult{URL: redactURL(raw)}
		r.Error, r.Code = explain(err, cfg.Timeout)
		return r
	}
	r := ServerResult{URL: t.URL, Type: t.Type, Transport: t.Transport}
	start := time.Now()
	if err := r.probe(ctx, cfg, t, srv); err != nil {
		r.Error, r.Code = explain(err, cfg.Timeout)
		cfg.Logger.Debug("ice-check: server failed", "url", r.URL, "err", err, "took", time.Since(start))
		return r
	}
	r.OK = true
	cfg.Logger.Debug("ice-check: server works", "url", r.URL, "rtt_ms", r.RTTMillis, "srflx", r.Srflx, "relay", r.Relay)
	return r
}

// probe fills r in: a STUN server is asked for the srflx address, a TURN
// server for a relay, whose answer holds the srflx address too. (A TURN
// server may be set to ignore Binding requests.)
func (r *ServerResult) probe(ctx context.Context, cfg Config, t Target, srv signal.ICEServer) (err error) {
	if t.Type == "turn" && (srv.Username == "" || srv.Credential == "") {
		return ErrNoCredentials
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	l, err := dialLink(ctx, t, cfg.TLS)
	if err != nil {
		return err
	}
	defer l.close()
	defer func() {
		// A server that answered over UDP, even with an error, can take
		// part in the NAT test.
		var ce *CodeError
		if !l.reliable && (err == nil || errors.As(err, &ce)) {
			r.udp = l.server.(*net.UDPAddr)
		}
	}()
	var srflx *net.UDPAddr
	var rtt time.Duration
	if t.Type == "turn" {
		a, err := l.allocate(ctx, srv.Username, srv.Credential)
		if err != nil {
			return err
		}
		r.Relay, srflx, rtt = a.relay.String(), a.mapped, a.rtt
	}
	if srflx == nil {
		if srflx, rtt, err = l.bind(ctx, l.server); err != nil {
			return err
		}
	}
	r.Srflx, r.RTTMillis = srflx.String(), millis(rtt)
	return nil
}

// millis is d in milliseconds, to the microsecond.
func millis(d time.Duration) float64 {
	return math.Round(float64(d)/1e3) / 1e3
}
