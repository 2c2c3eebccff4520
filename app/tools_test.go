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
