package ogg

import (
	"bytes"
	"encoding/json"
	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
	"os/exec"
	"strconv"
	"testing"
)

// requireTool is mediatest.RequireTool: skip without the tool, fail in CI.
func requireTool(t testing.TB, name string) string { return mediatest.RequireTool(t, name) }

// probe is the part of ffprobe's JSON output the tests look at.
type probe struct {
	Packets []struct {
		PTS      int64  `json:"pts"`
		Duration int64  `json:"duration"`
		Size     string `json:"size"` // ffprobe quotes sizes
	} `json:"packets"`
	Streams []struct {
		CodecName  string `json:"codec_name"`
		Channels   int    `json:"channels"`
		SampleRate string `json:"sample_rate"`
		StartTime  string `json:"start_time"`
		Duration   string `json:"duration"`
	} `json:"streams"`
	Format struct {
		Duration string `json:"duration"`
	} `json:"format"`
}

// ffprobe runs ffprobe on path and fails the test if it prints any error,
// which is how it reports damage it tolerated.
func ffprobe(t *testing.T, path string) probe {
	t.Helper()
	bin := requireTool(t, "ffprobe")
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, "-v", "error", "-of", "json",
		"-show_packets", "-show_streams", "-show_format", path)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ffprobe %s: %v\n%s", path, err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("ffprobe %s reported errors:\n%s", path, stderr.String())
	}
	var p probe
	if err := json.Unmarshal(stdout.Bytes(), &p); err != nil {
		t.Fatalf("ffprobe output: %v", err)
	}
	return p
}

func atof(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return f
}
