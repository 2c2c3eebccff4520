package mp4

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"strconv"
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
		PTSTime     string `json:"pts_time"`
		Size        string `json:"size"` // ffprobe quotes sizes
		Flags       string `json:"flags"`
	} `json:"packets"`
	Streams []struct {
		CodecName string `json:"codec_name"`
		CodecType string `json:"codec_type"`
		Width     int    `json:"width"`
		Height    int    `json:"height"`
		Channels  int    `json:"channels"`
		StartTime string `json:"start_time"`
		Duration  string `json:"duration"`
	} `json:"streams"`
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
	} `json:"format"`
}

// ffprobe runs ffprobe on path and fails the test on anything it prints
// at level warning or above: a finished file must raise no complaint.
func ffprobe(t testing.TB, path string) probe {
	t.Helper()
	var p probe
	mediatest.FFprobe(t, path, &p)
	var msg bytes.Buffer
	cmd := exec.Command(requireTool(t, "ffprobe"), "-v", "warning", "-show_format", "-show_streams", path)
	cmd.Stderr = &msg
	if err := cmd.Run(); err != nil {
		t.Fatalf("ffprobe %s: %v\n%s", path, err, msg.String())
	}
	if msg.Len() > 0 {
		t.Errorf("ffprobe complained about %s:\n%s", path, msg.String())
	}
	return p
}

// decodeErrors is mediatest.DecodeErrors: "" for a clean file.
func decodeErrors(t testing.TB, path string) string { return mediatest.DecodeErrors(t, path) }

// frameMD5 is mediatest.FrameMD5: the MD5 of each decoded video frame.
func frameMD5(t testing.TB, path string) []string { return mediatest.FrameMD5(t, path) }

// audioBytes is the payload of every packet of the first audio stream,
// one after the other, as ffmpeg reads them.
func audioBytes(t testing.TB, path string) []byte {
	t.Helper()
	out, err := exec.Command(requireTool(t, "ffmpeg"), "-nostdin", "-v", "error", "-i", path,
		"-map", "0:a:0", "-c", "copy", "-f", "data", "-").Output()
	if err != nil {
		t.Fatalf("ffmpeg audio copy %s: %v", path, err)
	}
	return out
}

// seekFrame decodes the first video frame at or after at seconds, ffmpeg
// seeking there, and returns its MD5 and what ffmpeg printed on stderr.
func seekFrame(t testing.TB, path string, at float64) (sum, stderr string) {
	t.Helper()
	var out, msg bytes.Buffer
	cmd := exec.Command(requireTool(t, "ffmpeg"), "-nostdin", "-v", "error", "-ss", strconv.FormatFloat(at, 'f', -1, 64),
		"-i", path, "-map", "0:v", "-frames:v", "1", "-f", "framemd5", "-")
	cmd.Stdout, cmd.Stderr = &out, &msg
	if err := cmd.Run(); err != nil {
		t.Fatalf("ffmpeg seek %s: %v\n%s", path, err, msg.String())
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if line != "" && line[0] != '#' {
			f := strings.Split(line, ",")
			return strings.TrimSpace(f[len(f)-1]), msg.String()
		}
	}
	return "", msg.String()
}

// boxes lists the top-level boxes of a file: type, offset and size.
type box struct {
	typ      string
	at, size int64
}

func topBoxes(t testing.TB, path string) []box {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var list []box
	for at := int64(0); at+8 <= int64(len(b)); {
		size := int64(binary.BigEndian.Uint32(b[at:]))
		if size == 1 && at+16 <= int64(len(b)) {
			size = int64(binary.BigEndian.Uint64(b[at+8:]))
		}
		list = append(list, box{string(b[at+4 : at+8]), at, size})
		if size < 8 {
			break
		}
		at += size
	}
	return list
}

// ffprobeErrors runs ffprobe on path into p and returns what it printed at
// level error: only damage it tolerated.
func ffprobeErrors(t testing.TB, path string, p *probe) string {
	t.Helper()
	return mediatest.FFprobe(t, path, p)
}
