package app

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestSafeName(t *testing.T) {
	cases := map[string]string{
		"cam":                    "cam",
		"":                       "fb",
		"..":                     "fb",
		".":                      "fb",
		"../../etc":              "_._.._etc",
		"/abs/path":              "_abs_path",
		"a/b\\c":                 "a_b_c",
		"café":                   "caf_",
		"x\x00y":                 "x_y",
		"name.":                  "name",
		".hidden":                "_hidden",
		"___":                    "fb",
		strings.Repeat("a", 100): strings.Repeat("a", 64),
	}
	for in, want := range cases {
		got := safeName(in, "fb")
		if got != want {
			t.Errorf("safeName(%q) = %q, want %q", in, got, want)
		}
		if filepath.Base(got) != got || got == "." || got == ".." || strings.ContainsAny(got, "/\\") {
			t.Errorf("safeName(%q) = %q is not a single safe element", in, got)
		}
	}
}

func FuzzSafeName(f *testing.F) {
	for _, s := range []string{"a", "..", "../x", "\x00", "é/é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := safeName(s, "fallback")
		dir := "/out"
		if p := filepath.Join(dir, got); filepath.Dir(p) != dir || got == "" || len(got) > 64 {
			t.Fatalf("safeName(%q) = %q escapes or is empty", s, got)
		}
	})
}
