package mkv

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// requireTool is mediatest.RequireTool: skip without the tool, fail in CI.
func requireTool(t testing.TB, name string) string { return mediatest.RequireTool(t, name) }

// probe is the part of ffprobe's JSON output the tests look at.
type probe struct {
	Packets []struct {
		StreamIndex int    `json:"stream_index"`
		PTS         int64  `json:"pts"`
		Duration    int64  `json:"duration"`
		Size        string `json:"size"` // ffprobe quotes sizes
		Flags       string `json:"flags"`
		Data        string `json:"data"` // hex dump, with -show_data
	} `json:"packets"`
	Streams []struct {
		CodecName string `json:"codec_name"`
		CodecType string `json:"codec_type"`
		Width     int    `json:"width"`
		Height    int    `json:"height"`
		Channels  int    `json:"channels"`
		TimeBase  string `json:"time_base"`
		StartTime string `json:"start_time"`
	} `json:"streams"`
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
	} `json:"format"`
}

// ffprobe runs ffprobe on path. It returns what ffprobe printed on stderr
// (with -v error, only damage it tolerated) rather than failing, so
// truncation tests can look at it.
func ffprobe(t *testing.T, path string) (p probe, stderr string) {
	t.Helper()
	stderr = mediatest.FFprobe(t, path, &p)
	return p, stderr
}

// decodeErrors is mediatest.DecodeErrors: "" for a clean file.
func decodeErrors(t *testing.T, path string) string { return mediatest.DecodeErrors(t, path) }

// sourceSize is the picture size ffprobe reports for a video file.
func sourceSize(t *testing.T, path string) (width, height int) {
	t.Helper()
	out, err := exec.Command(requireTool(t, "ffprobe"), "-v", "error", "-select_streams", "v",
		"-show_entries", "stream=width,height", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	if _, err := fmt.Sscanf(strings.TrimSpace(string(out)), "%d,%d", &width, &height); err != nil {
		t.Fatalf("ffprobe size %q: %v", out, err)
	}
	return width, height
}
