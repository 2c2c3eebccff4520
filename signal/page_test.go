package signal

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestPageDir(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("my page"), 0o644)
	file := filepath.Join(dir, "index.html")
	get := func(h http.Handler) string {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		body, _ := io.ReadAll(rec.Result().Body)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET /: %d", rec.Code)
		}
		return string(body)
	}

	h, err := PageDir(dir)
	if err != nil || get(h) != "my page" {
		t.Fatalf("PageDir(dir): %v", err)
	}
	h, err = PageDir("")
	if err != nil || !strings.Contains(strings.ToLower(get(h)), "<html") {
		t.Fatalf("PageDir(\"\") does not serve the embedded page: %v", err)
	}
	for _, bad := range []string{filepath.Join(dir, "missing"), file} {
		if h, err := PageDir(bad); !errors.Is(err, ErrNotDirectory) || h != nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("PageDir(%q) = %v, %v; want ErrNotDirectory naming it", bad, h, err)
		}
	}
}

// TestPageDirConfinement checks that --static serves only regular, non-dot
// files whose real path is inside the directory, and lists nothing.
func TestPageDirConfinement(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "passwd")
	write := func(name, body string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	symlink := func(target, name string) {
		t.Helper()
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Skipf("symlinks unsupported: %v", err)
		}
	}
	write("index.html", "<p>home</p>")
	write("a.js", "let a = 1")
	write(".secret", "dotfile")
	write(".git/config", "git config")
	write("docs/readme.txt", "docs")
	write("sub/index.html", "sub home")
	write("nested/deep/x.txt", "deep")
	if err := os.WriteFile(outside, []byte("root:x:0:0"), 0o644); err != nil {
		t.Fatal(err)
	}
	symlink(outside, "passwd")
	symlink(filepath.Dir(outside), "outdir")
	symlink("a.js", "alias.js")        // stays inside: allowed
	symlink("nested/deep", "shortcut") // directory inside: allowed
	symlink("../a.js", "docs/up.js")   // relative, still inside
	h, err := PageDir(dir)
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		path, body, ctype string
		code              int
	}{
		{"/", "<p>home</p>", "text/html", http.StatusOK},
		{"/a.js", "let a = 1", "javascript", http.StatusOK},
		{"/alias.js", "let a = 1", "javascript", http.StatusOK},
		{"/docs/up.js", "let a = 1", "javascript", http.StatusOK},
		{"/shortcut/x.txt", "deep", "text/plain", http.StatusOK},
		{"/sub/", "sub home", "text/html", http.StatusOK},
		{"/sub", "", "", http.StatusMovedPermanently},
		{"/passwd", "", "", http.StatusNotFound},
		{"/outdir/passwd", "", "", http.StatusNotFound},
		{"/.secret", "", "", http.StatusNotFound},
		{"/.git/config", "", "", http.StatusNotFound},
		{"/.git/", "", "", http.StatusNotFound},
		{"/docs/../.secret", "", "", http.StatusNotFound},
		{"/../../etc/passwd", "", "", http.StatusNotFound},
		{"/docs/", "", "", http.StatusNotFound}, // no listing without index.html
		{"/docs", "", "", http.StatusNotFound},
		{"/nested/", "", "", http.StatusNotFound},
		{"/missing.js", "", "", http.StatusNotFound},
	}
	for _, tc := range cases {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://x"+tc.path, nil))
		body := rec.Body.String()
		if rec.Code != tc.code {
			t.Errorf("GET %s: %d %q; want %d", tc.path, rec.Code, body, tc.code)
			continue
		}
		if tc.code != http.StatusOK {
			for _, leak := range []string{"root:x", "dotfile", "git config", "readme.txt", "deep"} {
				if strings.Contains(body, leak) {
					t.Errorf("GET %s: body leaks %q: %q", tc.path, leak, body)
				}
			}
			continue
		}
		if body != tc.body || !strings.Contains(rec.Header().Get("Content-Type"), tc.ctype) {
			t.Errorf("GET %s: %q (%s); want %q (%s)", tc.path, body,
				rec.Header().Get("Content-Type"), tc.body, tc.ctype)
		}
	}

	// ServeContent still answers conditional and range requests.
	req := httptest.NewRequest(http.MethodGet, "/a.js", nil)
	req.Header.Set("Range", "bytes=4-4")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusPartialContent || rec.Body.String() != "a" {
		t.Errorf("Range: %d %q", rec.Code, rec.Body.String())
	}
	st, _ := os.Stat(filepath.Join(dir, "a.js"))
	req = httptest.NewRequest(http.MethodGet, "/a.js", nil)
	req.Header.Set("If-Modified-Since", st.ModTime().UTC().Add(time.Second).Format(http.TimeFormat))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Errorf("If-Modified-Since: %d", rec.Code)
	}
}

// TestPageModules checks that every module the page imports, from app.js
// down, is embedded and served as JavaScript, and that the form offers
// the WHIP and WHEP modes that whip.js drives.
func TestPageModules(t *testing.T) {
	h := Page()
	get := func(path string) (string, string) {
		t.Helper()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, rec.Code)
		}
		return rec.Body.String(), rec.Header().Get("Content-Type")
	}
	imports := regexp.MustCompile(`(?m)^import .* from '\./([a-z]+\.js)';$`)
	seen := map[string]bool{}
	queue := []string{"app.js"}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if seen[name] {
			continue
		}
		seen[name] = true
		body, ctype := get("/" + name)
		if !strings.Contains(ctype, "javascript") {
			t.Errorf("/%s is served as %q", name, ctype)
		}
		for _, m := range imports.FindAllStringSubmatch(body, -1) {
			queue = append(queue, m[1])
		}
	}
	if !seen["whip.js"] {
		t.Errorf("the page imports %v; whip.js is not among them", seen)
	}
	index, _ := get("/")
	for _, want := range []string{`<option value="whip">`, `<option value="whep">`, `name="endpoint"`, `name="bearer"`} {
		if !strings.Contains(index, want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
}
