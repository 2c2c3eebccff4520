package app

import (
	"testing"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// requireTool is mediatest.RequireTool: skip without the tool, fail in CI.
func requireTool(t *testing.T, name string) { mediatest.RequireTool(t, name) }

// ffprobeClean decodes a whole file with ffmpeg and fails on any error it
// reports.
func ffprobeClean(t *testing.T, path string) {
	t.Helper()
	if out := mediatest.DecodeErrors(t, path); out != "" {
		t.Fatalf("ffmpeg decoding %s:\n%s", path, out)
	}
}

// framemd5 returns ffmpeg's per-frame MD5s of the decoded video.
func framemd5(t *testing.T, path string) []string { return mediatest.FrameMD5(t, path) }

func ffprobeDuration(t *testing.T, path string) float64 { return mediatest.Duration(t, path) }
