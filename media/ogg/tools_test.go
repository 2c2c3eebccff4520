package ogg

import (
	"testing"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
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
func ffprobe(t *testing.T, path string) (p probe) {
	t.Helper()
	mediatest.FFprobeClean(t, path, &p)
	return p
}
