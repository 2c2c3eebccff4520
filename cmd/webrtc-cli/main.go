// Command webrtc-cli is a command-line WebRTC peer: a signaling server
// (serve), a headless sender (send) and a headless recorder (receive).
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
