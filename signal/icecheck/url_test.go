package icecheck

import (
	"errors"
	"strings"
	"testing"
)

func TestICEParseURL(t *testing.T) {
	cases := []struct {
		raw  string
		want Target
		err  string
	}{
		{"stun:stun.example.org", Target{"stun:stun.example.org:3478", "stun", "udp", "stun.example.org", 3478}, ""},
		{" stun:127.0.0.1:19302 ", Target{"stun:127.0.0.1:19302", "stun", "udp", "127.0.0.1", 19302}, ""},
		{"stuns:stun.example.org", Target{"stuns:stun.example.org:5349", "stun", "tls", "stun.example.org", 5349}, ""},
		{"turn:t.example:3478", Target{"turn:t.example:3478?transport=udp", "turn", "udp", "t.example", 3478}, ""},
		{"turn:t.example?transport=tcp", Target{"turn:t.example:3478?transport=tcp", "turn", "tcp", "t.example", 3478}, ""},
		{"turns:t.example:443?transport=tcp", Target{"turns:t.example:443?transport=tcp", "turn", "tls", "t.example", 443}, ""},
		{"turns:t.example", Target{"turns:t.example:5349?transport=tcp", "turn", "tls", "t.example", 5349}, ""},
		{"turn:[::1]:3478", Target{"turn:[::1]:3478?transport=udp", "turn", "udp", "::1", 3478}, ""},
		{"turns:t.example?transport=udp", Target{}, "DTLS"},
		{"http://t.example", Target{}, "bad ICE server URL"},
		{"turn:t.example?transport=sctp", Target{}, "bad ICE server URL"},
		{"stun:t.example?transport=udp", Target{}, "bad ICE server URL"},
		{"stun:t.example:0", Target{}, "port 0 out of range"},
		{"stun:t.example:70000", Target{}, "out of range"},
		{"turn:user:password@t.example", Target{}, "bad ICE server URL"},
		{"stun:a b:3478", Target{}, "neither a name nor an IP address"},
		{"", Target{}, "bad ICE server URL"},
		{"turns:[:[:::1]443?transport=tcp", Target{}, "cannot tell the host from the port"}, // found by FuzzParseICEURL: stun.ParseURI recursed forever
		{"stun:[::1]x", Target{}, "cannot tell the host from the port"},
	}
	for _, tc := range cases {
		got, err := ParseURL(tc.raw)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("%q: %+v, %v; want %+v", tc.raw, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: error %v, want %q", tc.raw, err, tc.err)
		}
		if err != nil && strings.Contains(err.Error(), "password") {
			t.Errorf("%q: the error shows the password: %v", tc.raw, err)
		}
	}
	if _, err := ParseURL("ftp:x"); !errors.Is(err, ErrBadURL) {
		t.Errorf("error %v does not match ErrBadURL", err)
	}
}

// FuzzParseICEURL: ParseURL never panics; what it accepts it gives a canonical URL that
// parses to the same target and holds no credentials.
func FuzzParseICEURL(f *testing.F) {
	for _, s := range []string{
		"stun:stun.l.google.com:19302", "stuns:x", "turn:1.2.3.4?transport=tcp", "turns:[::1]:443?transport=tcp",
		"turn:u:p@h", "turn:h:99999", "stun:%zz", "turn:h?transport=udp&x=y", "STUN:H", "turn:[fe80::1%eth0]:3478", "turns:[:[:::1]443?transport=tcp",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := ParseURL(raw)
		if err != nil {
			return
		}
		again, err := ParseURL(got.URL)
		if err != nil || again != got {
			t.Fatalf("%q parsed to %+v, whose URL parses to %+v, %v", raw, got, again, err)
		}
		if strings.Contains(got.URL, "@") || got.Port < 1 || got.Port > 65535 {
			t.Fatalf("%q parsed to %+v", raw, got)
		}
	})
}
