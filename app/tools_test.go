package app

import (
	"os/exec"
	"testing"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// requireTool is mediatest.RequireTool: skip without the tool, fail in CI.
func requireTool(t *testing.T, name string) { mediatest.RequireTool(t, name) }

// ffprobeClean decodes a whole file with ffmpeg and fails on any error it
// reports.
func ffprobeClean(t *testing.T, path string) {
	t.Helper()
	requireTool(t, "ffmpeg")
	out, err := exec.Command("ffmpeg", "-v", "error", "-xerror", "-i", path, "-f", "null", "-").CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("ffmpeg decoding %s: %v\n%s", path, err, out)
	}
}

// framemd5 returns ffmpeg's per-frame MD5s of the decoded video.
func framemd5(t *testing.T, path string) []string {
	t.Helper()
	requireTool(t, "ffmpeg")
	out, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-an", "-f", "framemd5", "-").Output()
	if err != nil {
		t.Fatalf("ffmpeg framemd5 %s: %v", path, err)
	}
	var sums []string
	for _, line := range splitLines(string(out)) {
		if line == "" || line[0] == '#' {
			continue
		}
		f := splitComma(line)
		sums = append(sums, f[len(f)-1])
	}
	return sums
}

func ffprobeDuration(t *testing.T, path string) float64 {
	t.Helper()
	requireTool(t, "ffprobe")
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "default=nw=1:nk=1", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var d float64
	if _, err := fmtSscan(string(out), &d); err != nil {
		t.Fatalf("ffprobe duration of %s: %q", path, out)
	}
	return d
}
