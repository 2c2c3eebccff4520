package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/signal"
)

func TestSecret(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	one, two, empty := write("one", "s3cret\n"), write("two", "a\nb\n"), write("empty", "\n")
	t.Setenv("WEBRTC_CLI_TEST_SECRET", "from-env")
	cases := []struct {
		value, want, err string
	}{
		{"plain", "plain", ""},
		{"", "from-env", ""},
		{"@" + one, "s3cret", ""},
		{"@" + two, "", "alone on one line"},
		{"@" + empty, "", "alone on one line"},
		{"@" + filepath.Join(dir, "missing"), "", "--secret @FILE: open"},
	}
	for _, tc := range cases {
		got, err := secret("secret", tc.value, "WEBRTC_CLI_TEST_SECRET")
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("secret(%q) = %q, %v; want %q, %q", tc.value, got, err, tc.want, tc.err)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error shows the secret: %v", err)
		}
	}
}

// The token command takes its secret from a file or the environment.
func TestTokenSecretSources(t *testing.T) {
	file := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(file, []byte("k1\n"), 0o600)
	check := func(secret string, args ...string) {
		t.Helper()
		code, out, stderr := runCLI(append([]string{"token", "--room", "demo"}, args...)...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		if err := signal.VerifyToken([]byte(secret), strings.TrimSpace(out), "demo", signal.RoleSender, time.Now()); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	check("k1", "--secret", "@"+file)
	t.Setenv(envTokenSecret, "k2")
	check("k2")
	check("k3", "--secret", "k3") // the flag wins
}
