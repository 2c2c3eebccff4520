package signal

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed web
var webFiles embed.FS

// Page serves the embedded web page.
func Page() http.Handler {
	sub, _ := fs.Sub(webFiles, "web") // the directory is embedded, it exists
	return http.FileServerFS(sub)
}
