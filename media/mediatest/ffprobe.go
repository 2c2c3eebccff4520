package mediatest

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strconv"
	"strings"
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

// DecodeErrors decodes every stream of path with ffmpeg and returns what
// it printed at level error: "" for a clean file.
func DecodeErrors(t testing.TB, path string) string {
	t.Helper()
	bin := RequireTool(t, "ffmpeg")
	out, err := exec.Command(bin, "-nostdin", "-v", "error", "-i", path, "-f", "null", "-").CombinedOutput()
	if err != nil {
		return string(out) + err.Error()
	}
	return string(out)
}

// FrameMD5 returns ffmpeg's MD5 of each decoded video frame of path,
// which does not depend on the container's timestamps.
func FrameMD5(t testing.TB, path string) []string {
	t.Helper()
	bin := RequireTool(t, "ffmpeg")
	out, err := exec.Command(bin, "-nostdin", "-v", "error", "-i", path, "-map", "0:v", "-f", "framemd5", "-").Output()
	if err != nil {
		t.Fatalf("ffmpeg framemd5 %s: %v", path, err)
	}
	var sums []string
	for _, line := range strings.Split(string(out), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, ",")
		sums = append(sums, strings.TrimSpace(f[len(f)-1]))
	}
	return sums
}

// Duration is the duration ffprobe gives path's container, in seconds.
func Duration(t testing.TB, path string) float64 {
	t.Helper()
	bin := RequireTool(t, "ffprobe")
	out, err := exec.Command(bin, "-v", "error", "-show_entries", "format=duration", "-of", "default=nw=1:nk=1", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	return Atof(t, strings.TrimSpace(string(out)))
}
