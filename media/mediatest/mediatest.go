// Package mediatest holds what the media tests of every package share:
// the external tools (ffmpeg, ffprobe, chromium) they check against, the
// repository's testdata, writers that fail like a full disk, and a bit
// writer for synthetic codec headers.
package mediatest

import (
	"os"
	"os/exec"
	"testing"
)

// RequireTool returns the path of an external tool. Without it the test is
// skipped on a workstation but fails in CI (CI set), where a silent skip
// would hide that the checks never ran; .ci/run installs the tools.
func RequireTool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s not found but CI is set: .ci/run installs it", name)
	}
	t.Skipf("%s not found; install it to run this test (set CI=1 to make this a failure)", name)
	return ""
}

// RequireChromium returns the Chromium binary. A test that needs it skips
// when it is missing, unless CI is set: then it fails, so CI always runs it.
func RequireChromium(t testing.TB) string {
	t.Helper()
	// Debian's /usr/bin/chromium is a shell wrapper that adds extensions
	// and flags of its own; the binary behind it runs exactly as told.
	const debian = "/usr/lib/chromium/chromium"
	if st, err := os.Stat(debian); err == nil && !st.IsDir() {
		return debian
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("Chromium is required when CI is set (.ci/run installs it: apt-get install chromium)")
	}
	t.Skip("Chromium not installed; skipping (set CI=1 to make this a failure)")
	return ""
}
