package whip

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseFrag(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Frag
		wantErr string
	}{
		{name: "RFC 9725 trickle", in: "a=ice-options:trickle ice2\r\na=group:BUNDLE 0 1\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=ice-ufrag:EsAw\r\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n" +
			"a=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0 ufrag EsAw network-id 1\r\n" +
			"a=candidate:473322822 1 tcp 1518280447 192.0.2.1 9 typ host tcptype active generation 0 ufrag EsAw network-id 1\r\na=end-of-candidates\r\n",
			want: Frag{Media: []FragMedia{{Mid: "0", Ufrag: "EsAw", Pwd: "P2uYro0UCOQ4zxjKXaWCBui1", EndOfCandidates: true, Candidates: []string{
				"candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0 ufrag EsAw network-id 1",
				"candidate:473322822 1 tcp 1518280447 192.0.2.1 9 typ host tcptype active generation 0 ufrag EsAw network-id 1",
			}}}}},
		{name: "RFC 8840 two sections, LF", in: "a=ice-pwd:asd88fgpdd777uzjYhagZg\na=ice-ufrag:8hhY\nm=audio 9 RTP/AVP 0\na=mid:1\na=candidate:1 1 UDP 2130706431 198.51.100.1 5000 typ host\nm=audio 9 RTP/AVP 0\na=mid:2\na=candidate:1 1 UDP 2130706431 198.51.100.1 5002 typ host\n",
			want: Frag{Ufrag: "8hhY", Pwd: "asd88fgpdd777uzjYhagZg", Media: []FragMedia{
				{Mid: "1", Candidates: []string{"candidate:1 1 UDP 2130706431 198.51.100.1 5000 typ host"}},
				{Mid: "2", Candidates: []string{"candidate:1 1 UDP 2130706431 198.51.100.1 5002 typ host"}},
			}}},
		{name: "session-level end-of-candidates", in: "a=end-of-candidates\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\nm=video 9 RTP/AVP 0\r\na=mid:1",
			want: Frag{Media: []FragMedia{{Mid: "0", EndOfCandidates: true}, {Mid: "1", EndOfCandidates: true}}}},
		{name: "other lines skipped", in: "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=ice-lite\r\nm=audio 9 RTP/AVP 0\r\nc=IN IP4 0.0.0.0\r\na=rtcp-mux\r\n",
			want: Frag{Media: []FragMedia{{}}}},
		{name: "empty", in: "", want: Frag{}},
		{name: "garbage", in: "hello", wantErr: `line 1: not an SDP line: "hello"`},
		{name: "upper-case type", in: "A=ice-ufrag:x", wantErr: "not an SDP line"},
		{name: "candidate before m=", in: "a=candidate:1 1 udp 1 192.0.2.1 1 typ host", wantErr: "line 1: a=candidate before any m= line"},
		{name: "mid before m=", in: "a=mid:0", wantErr: "a=mid before any m= line"},
		{name: "empty candidate", in: "m=audio 9 RTP/AVP 0\r\na=candidate:", wantErr: "line 2: empty candidate"},
		{name: "empty ufrag", in: "a=ice-ufrag:\r\n", wantErr: "empty ice-ufrag"},
		{name: "control character", in: "m=audio 9 RTP/AVP 0\r\na=candidate:1\x00", wantErr: "control character"},
		{name: "too many lines", in: strings.Repeat("\n", maxFragLines), wantErr: "lines"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFrag([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !errors.Is(err, ErrBadFrag) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %+v, %v; want an ErrBadFrag with %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, %v\nwant %+v", got, err, tt.want)
			}
		})
	}
}

func TestFragMarshal(t *testing.T) {
	f := Frag{Ufrag: "u", Pwd: "p", Media: []FragMedia{
		{Mid: "0", Candidates: []string{"candidate:1 1 udp 2130706431 192.0.2.1 5000 typ host", "2 1 udp 1 192.0.2.2 5000 typ host"}},
		{Mid: "1", Ufrag: "u1", Pwd: "p1", EndOfCandidates: true},
	}}
	want := "a=ice-ufrag:u\r\na=ice-pwd:p\r\n" +
		"m=audio 9 RTP/AVP 0\r\na=mid:0\r\na=candidate:1 1 udp 2130706431 192.0.2.1 5000 typ host\r\na=candidate:2 1 udp 1 192.0.2.2 5000 typ host\r\n" +
		"m=audio 9 RTP/AVP 0\r\na=mid:1\r\na=ice-ufrag:u1\r\na=ice-pwd:p1\r\na=end-of-candidates\r\n"
	if got := string(f.Marshal()); got != want {
		t.Fatalf("got\n%q\nwant\n%q", got, want)
	}
	if u, p := f.Credentials(); u != "u" || p != "p" {
		t.Errorf("Credentials() = %q, %q", u, p)
	}
	if u, p := (Frag{Media: f.Media}).Credentials(); u != "u1" || p != "p1" {
		t.Errorf("media Credentials() = %q, %q", u, p)
	}
}
