package h264

import (
	"strconv"
	"testing"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// probePacket is one packet as ffprobe's h264 parser splits the stream.
type probePacket struct {
	Pos      int
	Size     int
	Duration int64 // in 1/1200000 s, the raw demuxer's timebase
	Key      bool
}

func ffprobePackets(t *testing.T, path string) []probePacket {
	t.Helper()
	var p struct {
		Packets []struct {
			Pos      string `json:"pos"`
			Size     string `json:"size"`
			Duration int64  `json:"duration"`
			Flags    string `json:"flags"`
		} `json:"packets"`
	}
	if msg := mediatest.FFprobe(t, path, &p, "-show_packets"); msg != "" {
		t.Fatalf("ffprobe %s:\n%s", path, msg)
	}
	out := make([]probePacket, len(p.Packets))
	for i, pp := range p.Packets {
		pos, err1 := strconv.Atoi(pp.Pos)
		size, err2 := strconv.Atoi(pp.Size)
		if err1 != nil || err2 != nil {
			t.Fatalf("packet %d: pos %q size %q", i, pp.Pos, pp.Size)
		}
		out[i] = probePacket{Pos: pos, Size: size, Duration: pp.Duration, Key: len(pp.Flags) > 0 && pp.Flags[0] == 'K'}
	}
	return out
}
