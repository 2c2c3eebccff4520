package signal

import "testing"

func TestParseICEServer(t *testing.T) {
	cases := []struct {
		in      string
		want    ICEServer
		wantErr bool
	}{
		{"stun:stun.example:3478", ICEServer{URLs: []string{"stun:stun.example:3478"}}, false},
		{"turn:t.example:3478?transport=udp,alice,pw", ICEServer{URLs: []string{"turn:t.example:3478?transport=udp"}, Username: "alice", Credential: "pw"}, false},
		{"turn:t.example:3478", ICEServer{}, true},
		{"http://x", ICEServer{}, true},
		{"stun:x,a", ICEServer{}, true},
	}
	for _, tc := range cases {
		got, err := ParseICEServer(tc.in)
		if (err != nil) != tc.wantErr || (!tc.wantErr && (got.URLs[0] != tc.want.URLs[0] || got.Username != tc.want.Username || got.Credential != tc.want.Credential)) {
			t.Errorf("ParseICEServer(%q) = %+v, %v", tc.in, got, err)
		}
	}
}

func TestParseRate(t *testing.T) {
	cases := []struct {
		in    string
		rate  float64
		burst int
		err   bool
	}{
		{"50/200", 50, 200, false}, {"10", 10, 40, false}, {"0", -1, 0, false},
		{"x", 0, 0, true}, {"5/0", 0, 0, true}, {"-1", 0, 0, true},
	}
	for _, tc := range cases {
		r, b, err := ParseRate(tc.in)
		if (err != nil) != tc.err || (!tc.err && (r != tc.rate || b != tc.burst)) {
			t.Errorf("ParseRate(%q) = %v, %v, %v", tc.in, r, b, err)
		}
	}
}
