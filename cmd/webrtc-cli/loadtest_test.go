package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webrtc-cli/webrtc-cli/signal"
)

// loadtest against an in-process serve: the live table and the summary
// on stdout, the JSON file with the documented fields, exit 0; a limit
// that cannot be met exits 1 and says which.
func TestLoadTestCommand(t *testing.T) {
	ws := startSignal(t, signal.ServerConfig{RoomSize: 32, Rate: -1})
	out := filepath.Join(t.TempDir(), "load.json")
	code, stdout, stderr := runCLI("loadtest", "--server", ws, "--publishers", "2", "--subscribers", "4", "--synthetic", "200k",
		"--duration", "3s", "--json", out, "--max-loss", "1%", "--max-first-frame", "5s")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"peers", "latency p50/95/99", "tracks received", "16 of 16"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout has no %q:\n%s", want, stdout)
		}
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"publishers", "subscribers", "duration_s", "tracks_expected", "tracks_received", "loss",
		"nacks", "plis", "freezes", "first_frame_ms", "latency_ms", "cpu_seconds", "tracks"} {
		if _, ok := m[k]; !ok {
			t.Errorf("%s has no %q", out, k)
		}
	}
	if m["tracks_expected"].(float64) != 16 || m["publishers"].(float64) != 2 || len(m["tracks"].([]any)) != 16 {
		t.Errorf("JSON %s", b)
	}

	// A first frame within a nanosecond is not to be had.
	code, _, stderr = runCLI("loadtest", "--server", ws, "--room", "strict", "--subscribers", "1", "--synthetic", "200k",
		"--duration", "2s", "--max-first-frame", "1ns")
	if code != exitError || !strings.Contains(stderr, "--max-first-frame") {
		t.Errorf("exit %d, %q; want 1 naming --max-first-frame", code, stderr)
	}
}

func TestLoadTestUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		err  string
	}{
		{[]string{"loadtest"}, "give --file"},
		{[]string{"loadtest", "--synthetic", "1M", "--file", "a.ivf"}, "give --file"},
		{[]string{"loadtest", "--synthetic", "fast"}, `--synthetic "fast"`},
		{[]string{"loadtest", "--synthetic", "1M", "--publishers", "0"}, "--publishers"},
		{[]string{"loadtest", "--synthetic", "1M", "--duration", "0s"}, "--duration"},
		{[]string{"loadtest", "--synthetic", "1M", "--whip", "http://h/whip"}, "--whip and --whep go together"},
		{[]string{"loadtest", "--synthetic", "1M", "--whip", "http://h/whip", "--whep", "http://h/whep", "--room", "r"}, "are for rooms"},
		{[]string{"loadtest", "--synthetic", "1M", "--bearer", "x"}, "--bearer goes with --whip"},
		{[]string{"loadtest", "--synthetic", "1M", "--max-loss", "lots"}, "--max-loss"},
		{[]string{"loadtest", "--synthetic", "1M", "--ramp", "fast"}, "--ramp"},
		{[]string{"loadtest", "--synthetic", "1M", "--whip", "ftp://h", "--whep", "http://h/whep"}, `--whip "ftp://h"`},
	} {
		code, _, stderr := runCLI(c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.err) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", c.args, code, stderr, c.err)
		}
	}
	for in, want := range map[string]float64{"1%": 0.01, "0.5": 0.5, "": 0, "0.1%": 0.001} {
		if got, err := parseFraction(in); err != nil || got != want {
			t.Errorf("parseFraction(%q) = %v, %v", in, got, err)
		}
	}
}
