package main

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// serve --turn: the TURN server starts on the address given, welcomes
// point at its port, and its series are on serve's registry.
func TestServeStartsTURN(t *testing.T) {
	f := &turnServeFlags{auth: turnAuthFlags{ttl: time.Hour}, addr: "127.0.0.1:0", relayPorts: "40000-40100", realm: "r", bandwidth: "1M", maxAllocs: 5, maxPerUser: 2}
	if err := f.check(nil); err != nil {
		t.Fatal(err)
	}
	auth, err := f.auth.auth(true)
	if err != nil || auth == nil || len(auth.Secret) < 16 {
		t.Fatalf("auth without --turn-secret: %+v, %v; want a random secret", auth, err)
	}
	reg := prometheus.NewRegistry()
	ts, err := f.start(signal.ServerConfig{TURN: auth}, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	if auth.Port == 0 || auth.Port != ts.Port() {
		t.Errorf("credentials point at port %d, the server is on %d", auth.Port, ts.Port())
	}
	if u := auth.ICEServer("127.0.0.1:8080", "p", time.Now()).URLs[0]; u != fmt.Sprintf("turn:127.0.0.1:%d?transport=udp", ts.Port()) {
		t.Errorf("welcome URL %s", u)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, mf := range mfs {
		names = append(names, mf.GetName())
	}
	for _, want := range []string{"webrtc_cli_turn_allocations", "webrtc_cli_turn_permissions", "webrtc_cli_turn_refused_total",
		"webrtc_cli_turn_relayed_bytes_total", "webrtc_cli_turn_relayed_packets_total"} {
		if !strings.Contains(strings.Join(names, " "), want) {
			t.Errorf("%s not on serve's registry (%v)", want, names)
		}
	}
}

func TestParseBitrate(t *testing.T) {
	for in, want := range map[string]int64{"20M": 20_000_000, "500k": 500_000, "1.5M": 1_500_000, "0": 0, "64000": 64000, "1G": 1_000_000_000} {
		if got, err := parseBitrate(in); err != nil || got != want {
			t.Errorf("parseBitrate(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "fast", "-1M", "M"} {
		if _, err := parseBitrate(bad); err == nil || !strings.Contains(err.Error(), "bits per second") {
			t.Errorf("parseBitrate(%q): %v", bad, err)
		}
	}
}
