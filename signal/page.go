package signal

import (
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"os"
)

//go:embed web
var webFiles embed.FS

// Page serves the embedded web page.
func Page() http.Handler {
	sub, _ := fs.Sub(webFiles, "web") // the directory is embedded, it exists
	return http.FileServerFS(sub)
}

// PageDir serves dir in place of the embedded page, or the embedded page
// when dir is "". A dir that is not a directory gives ErrNotDirectory now
// rather than a 404 on every request later.
func PageDir(dir string) (http.Handler, error) {
	if dir == "" {
		return Page(), nil
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%q is %w", dir, ErrNotDirectory)
	}
	return http.FileServer(http.Dir(dir)), nil
}
