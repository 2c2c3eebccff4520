package ivf

import (
	"testing"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// probe is the part of ffprobe's JSON output the tests look at.
type probe struct {
	Packets []struct {
		PTS   int64  `json:"pts"`
		Size  string `json:"size"` // ffprobe quotes sizes
		Flags string `json:"flags"`
	} `json:"packets"`
	Streams []struct {
		CodecName string `json:"codec_name"`
		Width     int    `json:"width"`
		Height    int    `json:"height"`
		TimeBase  string `json:"time_base"`
		Duration  string `json:"duration"`
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
