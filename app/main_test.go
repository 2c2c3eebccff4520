package app

import (
	"testing"

	"go.uber.org/goleak"
)

// Every PeerConnection, recorder and signaling goroutine must be gone when
// the tests end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
