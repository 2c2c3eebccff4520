package app

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// Every PeerConnection, recorder and signaling goroutine must be gone when
// the tests end.
func TestMain(m *testing.M) {
	if helper := os.Getenv(helperEnv); helper != "" {
		os.Exit(runHelper(helper))
	}
	goleak.VerifyTestMain(m)
}
