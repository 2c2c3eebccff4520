package signal

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path"
	"strings"
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
//
// Only regular files whose real path is inside dir are served: the files
// are opened through an os.Root, which refuses any path that escapes dir,
// also through symlinks (symlinks that stay inside dir work). There are no
// directory listings (a directory serves its index.html or 404s) and no
// dotfiles, so a .git or .env left in dir is not published.
func PageDir(dir string) (http.Handler, error) {
	if dir == "" {
		return Page(), nil
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%q is %w", dir, ErrNotDirectory)
	}
	// The root stays open for the life of the process: the handler has no
	// Close and a server serves its page until it exits.
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open %q: %w", dir, err)
	}
	return staticDir{root}, nil
}

// staticDir serves the files of a directory, see PageDir.
type staticDir struct{ root *os.Root }

func (s staticDir) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// path.Clean of a rooted path drops every "..", so name stays relative
	// to the root; os.Root would refuse an escape anyway.
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if hasDotSegment(name) {
		http.NotFound(w, r)
		return
	}
	if name == "" {
		name = "."
	}
	f, st, err := s.open(name)
	if err != nil {
		// Missing, escaping, unreadable and special files all answer 404:
		// a visitor learns nothing about what lies outside the served files.
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	if st.IsDir() {
		idx, ist, err := s.open(path.Join(name, "index.html"))
		if err != nil || ist.IsDir() {
			if idx != nil {
				idx.Close()
			}
			http.NotFound(w, r)
			return
		}
		defer idx.Close()
		// Relative links in index.html resolve against the directory only
		// when the URL ends in "/", as with http.FileServer.
		if !strings.HasSuffix(r.URL.Path, "/") {
			target := path.Base(r.URL.Path) + "/"
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			http.Redirect(w, r, target, http.StatusMovedPermanently)
			return
		}
		f, st = idx, ist
	}
	// ServeContent keeps Content-Type detection (from the name, then the
	// content), If-Modified-Since and Range requests.
	http.ServeContent(w, r, st.Name(), st.ModTime(), f)
}

// open opens name in the root and accepts only regular files and
// directories; devices, FIFOs and sockets are refused.
func (s staticDir) open(name string) (*os.File, fs.FileInfo, error) {
	f, err := s.root.Open(name)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !st.Mode().IsRegular() && !st.IsDir() {
		f.Close()
		return nil, nil, errors.New("not a regular file")
	}
	return f, st, nil
}

// hasDotSegment reports whether a segment of the slash-separated name
// starts with a dot: a dotfile or something inside a dot-directory.
func hasDotSegment(name string) bool {
	for seg := range strings.SplitSeq(name, "/") {
		if strings.HasPrefix(seg, ".") {
			return true
		}
	}
	return false
}
