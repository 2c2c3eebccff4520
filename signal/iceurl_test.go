package signal

import (
	"testing"
	"time"
)

// URLs on which pion/stun's parser never returns are refused, in time.
func TestParseICEURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"stun:stun.example.org":                   true,
		"stun:stun.example.org:3478":              true,
		"turn:[::1]:3478?transport=tcp":           true,
		"turns:turn.example.org:5349":             true,
		"stun:[::1]x":                             false,
		"turns:[::1]x":                            false,
		"http://example.org":                      false,
		"turn:host:3478?transport=carrier-pigeon": false,
	} {
		done := make(chan error, 1)
		go func() { _, err := ParseICEURL(raw); done <- err }()
		select {
		case err := <-done:
			if (err == nil) != ok {
				t.Errorf("ParseICEURL(%q): %v, want ok=%v", raw, err, ok)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("ParseICEURL(%q) did not return", raw)
		}
	}
	if _, err := ParseICEServer("stun:[::1]x"); err == nil {
		t.Error("--ice-server took a URL pion cannot parse")
	}
}
