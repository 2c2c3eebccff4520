package mediatest

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strconv"
	"testing"
)

// FFprobe runs ffprobe on path with the given -show_* options (packets,
// streams and format if none) and decodes its JSON output into v, as each
// package's probe type declares the fields it looks at. It returns what
// ffprobe printed on stderr: at -v error, only damage it tolerated. A
// failing ffprobe fails the test.
func FFprobe(t testing.TB, path string, v any, show ...string) (stderr string) {
	t.Helper()
	if len(show) == 0 {
		show = []string{"-show_packets", "-show_streams", "-show_format"}
	}
	var out, msg bytes.Buffer
	cmd := exec.Command(RequireTool(t, "ffprobe"), append(append([]string{"-v", "error", "-of", "json"}, show...), path)...)
	cmd.Stdout, cmd.Stderr = &out, &msg
	if err := cmd.Run(); err != nil {
		t.Fatalf("ffprobe %s: %v\n%s", path, err, msg.String())
	}
	if err := json.Unmarshal(out.Bytes(), v); err != nil {
		t.Fatalf("ffprobe output: %v", err)
	}
	return msg.String()
}

// FFprobeClean is FFprobe for a file that must be undamaged: anything
// ffprobe reports is an error.
func FFprobeClean(t testing.TB, path string, v any, show ...string) {
	t.Helper()
	if msg := FFprobe(t, path, v, show...); msg != "" {
		t.Errorf("ffprobe %s reported errors:\n%s", path, msg)
	}
}

// Atof parses a number as ffprobe prints it (durations and times are
// quoted strings in its JSON).
func Atof(t testing.TB, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return f
}
