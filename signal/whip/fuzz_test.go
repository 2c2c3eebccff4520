package whip

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// FuzzParseFrag checks that ParseFrag never panics and that what it
// parses survives Marshal and a second parse.
func FuzzParseFrag(f *testing.F) {
	for _, s := range []string{trickle, restart, "", "hello", "a=end-of-candidates\nm=audio 9 RTP/AVP 0\na=mid:0",
		"m=audio 9 RTP/AVP 0\r\na=candidate: candidate:x \r\na=mid:\r\na=ice-pwd:p", "a=ice-ufrag:u\r\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		frag, err := ParseFrag(b)
		if err != nil {
			return
		}
		again, err := ParseFrag(frag.Marshal())
		if err != nil || !reflect.DeepEqual(again, frag) {
			t.Fatalf("%q parsed to %+v; its Marshal %q to %+v, %v", b, frag, frag.Marshal(), again, err)
		}
	})
}

// FuzzParseLinks checks that ParseLinks never panics and that the ICE
// servers it finds survive formatLink and a second parse.
func FuzzParseLinks(f *testing.F) {
	for _, s := range []string{
		`<stun:stun.example.net>; rel="ice-server"`,
		`<turn:t.example?transport=udp>; rel="ice-server"; username="u\"x"; credential="c,;"; credential-type="password", <stun:s>;rel=ice-server`,
		`<`, `"`, `<stun:x>; rel="ice-server`, `a, b; c="d\`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		servers := ParseLinks(http.Header{"Link": {s}})
		var again http.Header = http.Header{}
		for _, ice := range servers {
			again.Add("Link", formatLink(ice.URLs[0], ice.Username, ice.Credential))
		}
		if got := ParseLinks(again); len(servers) > 0 && !reflect.DeepEqual(got, servers) {
			t.Fatalf("%q parsed to %+v; formatted %q to %+v", s, servers, again["Link"], got)
		}
	})
}

// FuzzServer sends one arbitrary request to a server that holds one
// session: it must never panic nor answer a 5xx other than 503.
func FuzzServer(f *testing.F) {
	f.Add("POST", "", "application/sdp", "", testOffer)
	f.Add("POST", "/cam", "application/sdp; charset=utf-8", "", "v=0")
	f.Add("PATCH", "{s}", "application/trickle-ice-sdpfrag", "", trickle)
	f.Add("PATCH", "{s}", "application/trickle-ice-sdpfrag", "*", restart)
	f.Add("PATCH", "{s}", "application/trickle-ice-sdpfrag", `"x", *`, "a=ice-ufrag:z")
	f.Add("DELETE", "{s}", "", "", "")
	f.Add("OPTIONS", "/session/x", "", "", "")
	f.Add("GET", "/a/b", "text/plain", "", "x")
	f.Fuzz(func(t *testing.T, method, path, ctype, ifMatch, body string) {
		srv := NewServer(ServerConfig{Path: "/whip", MaxSessions: 2, MaxSDP: 4096, Backend: &fakeBackend{}})
		defer srv.Close()
		rec := serve(srv, "POST", "/whip", testOffer, ctSDP)
		path = strings.ReplaceAll(path, "{s}", strings.TrimPrefix(rec.Header().Get("Location"), "/whip"))
		req, err := http.NewRequest(method, "http://h/whip"+path, strings.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", ctype)
		if ifMatch != "" {
			req.Header.Set("If-Match", ifMatch)
		}
		rec = serveRequest(srv, req)
		if rec.Code >= 500 && rec.Code != 503 {
			t.Fatalf("%s %q %q: %d %q", method, path, ctype, rec.Code, rec.Body)
		}
	})
}
