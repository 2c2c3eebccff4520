package mediatest

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// root is the module's directory: tests run in their package's directory,
// at whatever depth.
var root = sync.OnceValues(func() (string, error) {
	dir, err := os.Getwd()
	for err == nil {
		if _, err = os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir, err = parent, nil
	}
	return "", err
})

// Testdata is the path of a file in the repository's testdata directory
// (the files testdata/gen.sh makes), or a pattern for filepath.Glob.
func Testdata(name string) string {
	dir, err := root()
	if err != nil {
		panic("mediatest: no go.mod above the test's directory")
	}
	return filepath.Join(dir, "testdata", name)
}

// ReadTestdata returns the contents of a file in testdata.
func ReadTestdata(t testing.TB, name string) []byte {
	t.Helper()
	return ReadFile(t, Testdata(name))
}

// ReadFile returns the contents of a file, such as one a test wrote.
func ReadFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
