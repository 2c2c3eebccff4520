package peer

import (
	"strings"
	"testing"
)

func TestBundled(t *testing.T) {
	const session = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
	const video = "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:video0\r\na=rtpmap:96 VP8/90000\r\n"
	const audio = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:audio1\r\na=rtpmap:111 opus/48000/2\r\n"
	tests := []struct {
		name, offer string
		grouped     bool
		wantErr     string
	}{
		{name: "already bundled", offer: session + "a=group:BUNDLE video0 audio1\r\n" + video + audio},
		{name: "one m-line, no group", offer: session + video, grouped: true},
		{name: "one m-line, LF ends", offer: strings.ReplaceAll(session+video, "\r\n", "\n"), grouped: true},
		{name: "two m-lines, no group", offer: session + video + audio, wantErr: "2 media lines and no BUNDLE group"},
		{name: "no mid", offer: session + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n", wantErr: "no a=mid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, grouped, err := bundled(tt.offer)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v; want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || grouped != tt.grouped {
				t.Fatalf("grouped %v, err %v; want %v", grouped, err, tt.grouped)
			}
			if !grouped {
				if got != tt.offer {
					t.Errorf("a bundled offer was changed:\n%s", got)
				}
				return
			}
			i, j := strings.Index(got, "a=group:BUNDLE video0"), strings.Index(got, "m=video")
			if i < 0 || i > j || !strings.HasPrefix(got, tt.offer[:strings.Index(tt.offer, "m=")]) {
				t.Errorf("no session-level group before the m-line:\n%s", got)
			}
			if back := bundleLine.ReplaceAllLiteralString(got, ""); back != tt.offer {
				t.Errorf("taking the group line out does not give the offer back:\n%q", back)
			}
		})
	}
}
