package whip

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/webrtc-cli/webrtc-cli/signal"
)

func TestParseLinks(t *testing.T) {
	stun := signal.ICEServer{URLs: []string{"stun:stun.example.net"}}
	turn := signal.ICEServer{URLs: []string{"turn:turn.example.net?transport=udp"}, Username: "user", Credential: "myPassword"}
	tests := []struct {
		name  string
		links []string
		want  []signal.ICEServer
	}{
		{"RFC 9725 example", []string{
			`<stun:stun.example.net>; rel="ice-server"`,
			`<turn:turn.example.net?transport=udp>; rel="ice-server"; username="user"; credential="myPassword"; credential-type="password"`,
		}, []signal.ICEServer{stun, turn}},
		{"two in one header", []string{
			`<stun:stun.example.net>; rel="ice-server", <turn:turn.example.net?transport=udp>; rel="ice-server"; username="user"; credential="myPassword"; credential-type="password"`,
		}, []signal.ICEServer{stun, turn}},
		{"unquoted, odd case and spacing", []string{
			`  <turn:turn.example.net?transport=udp>;REL=ice-server ;Username = user;credential=myPassword`,
		}, []signal.ICEServer{turn}},
		{"quoted comma, semicolon and escapes", []string{
			`<turn:t.example>; rel="ice-server"; username="a,b;c"; credential="x\"y\\z", <stun:s.example>; rel=ice-server`,
		}, []signal.ICEServer{{URLs: []string{"turn:t.example"}, Username: "a,b;c", Credential: `x"y\z`}, {URLs: []string{"stun:s.example"}}}},
		{"rel list", []string{`<stun:stun.example.net>; rel="preload ice-server"`}, []signal.ICEServer{stun}},
		{"first rel wins", []string{`<stun:stun.example.net>; rel="next"; rel="ice-server"`}, nil},
		{"other relations and schemes skipped", []string{
			`<https://example.com/>; rel="next"`, `<https://example.com/>; rel="ice-server"`, `<stun:stun.example.net>`,
		}, nil},
		{"oauth credentials skipped", []string{`<turn:t.example>; rel="ice-server"; username="u"; credential="c"; credential-type="oauth"`}, nil},
		{"garbage before a good one", []string{`garbage "with, comma", <stun:x> junk; rel="ice-server", <stun:stun.example.net>; rel="ice-server"`}, []signal.ICEServer{stun}},
		{"unterminated quote", []string{`<stun:stun.example.net>; rel="ice-server`}, nil},
		{"unterminated URL", []string{`<stun:stun.example.net; rel="ice-server"`}, nil},
		{"empty elements", []string{` , ,<stun:stun.example.net>;rel=ice-server,,`, ``}, []signal.ICEServer{stun}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"Link": tt.links}
			if got := ParseLinks(h); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
