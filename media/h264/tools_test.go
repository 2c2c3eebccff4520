package h264

import (
	"bytes"
	"encoding/json"
	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

func testdata(name string) string { return filepath.Join("..", "..", "testdata", name) }

func mustRead(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(testdata(name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// requireTool is mediatest.RequireTool: skip without the tool, fail in CI.
func requireTool(t testing.TB, name string) string { return mediatest.RequireTool(t, name) }

// probePacket is one packet as ffprobe's h264 parser splits the stream.
type probePacket struct {
	Pos      int
	Size     int
	Duration int64 // in 1/1200000 s, the raw demuxer's timebase
	Key      bool
}

func ffprobePackets(t *testing.T, path string) []probePacket {
	t.Helper()
	bin := requireTool(t, "ffprobe")
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, "-v", "error", "-of", "json", "-show_packets", path)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("ffprobe %s: %v\n%s", path, err, stderr.String())
	}
	var p struct {
		Packets []struct {
			Pos      string `json:"pos"`
			Size     string `json:"size"`
			Duration int64  `json:"duration"`
			Flags    string `json:"flags"`
		} `json:"packets"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &p); err != nil {
		t.Fatal(err)
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
