package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRepairCommand(t *testing.T) {
	dir := t.TempDir()
	ogg, err := os.ReadFile(filepath.Join("..", "..", "testdata", "opus-stereo.ogg"))
	if err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "audio.ogg")
	bad := filepath.Join(dir, "notes.txt")
	os.WriteFile(good, ogg, 0o644)
	os.WriteFile(bad, []byte("not a recording"), 0o644)
	code, out, _ := runCLI("repair", good)
	if code != exitOK || !strings.Contains(out, "nothing to repair") {
		t.Errorf("ogg: exit %d, %q", code, out)
	}
	code, out, stderr := runCLI("repair", good, bad, filepath.Join(dir, "missing.mkv"))
	if code != exitError || !strings.Contains(out, "notes.txt: not a recording") || !strings.Contains(stderr, "2 of 3 files could not be repaired") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	if code, _, _ := runCLI("repair"); code != exitUsage {
		t.Errorf("no file: exit %d, want 2", code)
	}
}
