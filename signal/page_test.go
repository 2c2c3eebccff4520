package signal

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
