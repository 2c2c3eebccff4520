package signal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// envelopeOffer is a native 3 KB offer, the relay's typical message.
var envelopeOffer = []byte(`{"type":"offer","to":"c0ffee0123456789","sdp":"v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n` + sdp3K + `"}`)

var envelopeSeeds = []string{
	`{"type":"join","room":"r","role":"sender","name":"n"}`,
	`{"type":"join","room":"r","role":"peer","name":"Zoë 🎥","token":"t.k.n","resume":"abc"}`,
	`{"type":"offer","to":"x","sdp":"v=0\r\n"}`,
	`{"type":"answer","to":"x","sdp":"v=0\r\na=ice-ufrag:\u0041b\r\n"}`,
	`{"type":"candidate","to":"x","candidate":null}`,
	`{"type":"candidate","to":"x","candidate":{"candidate":"candidate:1 1 udp 2130706431 10.0.0.1 5000 typ host","sdpMid":"0","sdpMLineIndex":0}}`,
	`{"type":"bye","to":"x","from":"forged"}`,
	`{"type":"bye","to":"x","FROM":1, "from" : [] }`,
	`{"from":"a","type":"bye","from":"b","to":"x"}`,
	`{"type":"sender"}`, `{"type":"createOffer","sdp":{"type":"offer","sdp":"s"}}`,
	`{"action":"start"}`, `{"action":"offer","data":{"offer":{"sdp":"s"},"remoteId":"x"}}`,
	`{}`, ` {} `, `[]`, `null`, `"s"`, `{"type":"join","room":5}`,
	`{"\u0074ype":"ping"}`, `{"type":"\ud800"}`, `{"a":[1,-2.5e+3,true,false,null,{"b":[]}]}`,
	`{"type":"ping"}x`, `{}{}`, "\xef\xbb\xbf{}", `{"type":"\xff"}`,
	string(envelopeOffer),
	`{"type":"bye","data":` + strings.Repeat(`[{"a":`, 31) + strings.Repeat(`}]`, 31) + `}`, // depth 63
	`{"data":` + strings.Repeat("[", 63) + strings.Repeat("]", 63) + `}`,                    // depth 64
	`{"data":` + strings.Repeat("[", 64) + strings.Repeat("]", 64) + `}`,                    // depth 65
	` { "fr\u006fm" : 1 , "type" : "bye" , "\u0066rom":{"x":[1,2]}, "to":"p" } `,
	"{\"name\":\"Zo\u00eb\",\"room\":\"caf\xc3\xa9\",\"to\":\"\xe2\x82\xac\\n\"}",
}

func TestParseEnvelope(t *testing.T) {
	deep := func(n int) string { return `{"a":` + strings.Repeat("[", n-1) + strings.Repeat("]", n-1) + `}` }
	deepObj := func(n int) string { return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) }
	const notObject, notJSON = "a message must be a JSON object", "not valid JSON"
	wrong := func(f string) string { return fmt.Sprintf("field %q has the wrong type", f) }
	tests := []struct {
		name, in   string
		code, text string
		want       inbound // checked when code is not bad-json
	}{
		{name: "join", in: `{"type":"join","room":"r1","role":"sender","name":"n","token":"tok","resume":"res"}`,
			want: inbound{Type: "join", Room: "r1", Role: "sender", Name: "n", Token: "tok", Resume: "res"}},
		{name: "offer", in: `{"type":"offer","to":"p2","sdp":"v=0\r\n"}`,
			want: inbound{Type: "offer", To: "p2", SDP: json.RawMessage(`"v=0\r\n"`)}},
		{name: "all raw kinds", in: `{"from":1.5e3,"sdp":{"type":"offer","sdp":"s"},"candidate":null,"data":[true]}`,
			want: inbound{From: json.RawMessage(`1.5e3`), SDP: json.RawMessage(`{"type":"offer","sdp":"s"}`), Candidate: json.RawMessage(`null`), Data: json.RawMessage(`[true]`)}},
		{name: "raw keeps inner whitespace", in: `{"data" : { "a" : [ 1 , 2 ] } }`,
			want: inbound{Data: json.RawMessage(`{ "a" : [ 1 , 2 ] }`)}},
		{name: "action dialect", in: `{"action":"start"}`, want: inbound{Action: "start"}},
		{name: "empty object", in: `{}`},
		{name: "whitespace everywhere", in: " \t\r\n{ \t\r\n\"type\" \t\r\n: \t\r\n\"ping\" \t\r\n, \"data\" : [ 1 , { } , [ ] ] \t\r\n} \t\r\n",
			want: inbound{Type: "ping", Data: json.RawMessage(`[ 1 , { } , [ ] ]`)}},
		{name: "unknown members", in: `{"x":{"type":5},"type":"ping","y":[{"to":1}]}`, want: inbound{Type: "ping"}},
		{name: "keys are case-sensitive", in: `{"TYPE":5,"Type":"x","type":"ping","From":"f"}`, want: inbound{Type: "ping"}},
		{name: "escaped key", in: `{"\u0074ype":"ping","\u0074\u006F":"x","fr\u006fm":1}`, want: inbound{Type: "ping", To: "x", From: json.RawMessage(`1`)}},
		{name: "escaped key, upper hex", in: `{"\u0054ype":1,"ty\u0070\u0065":"ping"}`, want: inbound{Type: "ping"}},
		{name: "escaped key, not a field", in: `{"type\u0000":1,"typ\u00e9":2,"candidate\u0041":3,"\/type":4,"type\n":5}`},
		{name: "long escaped key", in: `{"\u0074\u0074\u0074\u0074\u0074\u0074\u0074\u0074\u0074\u0074":1}`},
		{name: "escaped values", in: `{"type":"p\u0069ng","name":"a\"b\\c\/d\b\f\n\r\t","room":"\ud83c\udfa5"}`,
			want: inbound{Type: "ping", Name: "a\"b\\c/d\b\f\n\r\t", Room: "🎥"}},
		{name: "lone surrogate escape", in: `{"name":"\ud800","type":"\udfff x"}`, want: inbound{Name: "\ufffd", Type: "\ufffd x"}},
		{name: "unicode", in: `{"name":"Zoë 日本 🎥 \u00e9","room":"€"}`, want: inbound{Name: "Zoë 日本 🎥 é", Room: "€"}},
		{name: "U+FFFD itself", in: "{\"name\":\"\xef\xbf\xbd\"}", want: inbound{Name: "\ufffd"}},
		{name: "DEL is allowed", in: "{\"name\":\"\x7f\"}", want: inbound{Name: "\x7f"}},
		{name: "duplicate: last wins", in: `{"type":"a","type":"b","sdp":1,"sdp":"x"}`, want: inbound{Type: "b", SDP: json.RawMessage(`"x"`)}},
		{name: "null string keeps value", in: `{"type":"a","type":null,"to":null}`, want: inbound{Type: "a"}},
		{name: "numbers", in: `{"a":[0,-0,1,-1,10,0.5,-0.5e1,1E+2,1e-2,123456789012345678901234567890]}`},
		{name: "depth 64", in: deep(64)},
		{name: "depth 64 objects", in: deepObj(64)},

		{name: "empty", in: ``, code: CodeBadJSON, text: notObject},
		{name: "only space", in: " \n", code: CodeBadJSON, text: notObject},
		{name: "array", in: `[]`, code: CodeBadJSON, text: notObject},
		{name: "string", in: `"x"`, code: CodeBadJSON, text: notObject},
		{name: "null", in: `null`, code: CodeBadJSON, text: notObject},
		{name: "BOM", in: "\xef\xbb\xbf{}", code: CodeBadJSON, text: notObject},
		{name: "unterminated", in: `{`, code: CodeBadJSON, text: notJSON},
		{name: "trailing garbage", in: `{}x`, code: CodeBadJSON, text: notJSON},
		{name: "two values", in: `{}{}`, code: CodeBadJSON, text: notJSON},
		{name: "two values, space", in: `{} {}`, code: CodeBadJSON, text: notJSON},
		{name: "trailing comma", in: `{"a":1,}`, code: CodeBadJSON, text: notJSON},
		{name: "trailing comma in array", in: `{"a":[1,]}`, code: CodeBadJSON, text: notJSON},
		{name: "leading comma", in: `{,"a":1}`, code: CodeBadJSON, text: notJSON},
		{name: "missing colon", in: `{"a" 1}`, code: CodeBadJSON, text: notJSON},
		{name: "missing value", in: `{"a":}`, code: CodeBadJSON, text: notJSON},
		{name: "missing comma", in: `{"a":1 "b":2}`, code: CodeBadJSON, text: notJSON},
		{name: "unquoted key", in: `{a:1}`, code: CodeBadJSON, text: notJSON},
		{name: "single quotes", in: `{'a':1}`, code: CodeBadJSON, text: notJSON},
		{name: "number key", in: `{1:1}`, code: CodeBadJSON, text: notJSON},
		{name: "mismatched close", in: `{"a":[}`, code: CodeBadJSON, text: notJSON},
		{name: "mismatched close 2", in: `{"a":{]}`, code: CodeBadJSON, text: notJSON},
		{name: "unclosed nested", in: `{"a":[[1]}`, code: CodeBadJSON, text: notJSON},
		{name: "unterminated string", in: `{"a":"abc`, code: CodeBadJSON, text: notJSON},
		{name: "unterminated key", in: `{"abc`, code: CodeBadJSON, text: notJSON},
		{name: "control char", in: "{\"a\":\"x\ny\"}", code: CodeBadJSON, text: notJSON},
		{name: "NUL in string", in: "{\"a\":\"\x00\"}", code: CodeBadJSON, text: notJSON},
		{name: "tab in string", in: "{\"a\":\"\t\"}", code: CodeBadJSON, text: notJSON},
		{name: "bad escape", in: `{"a":"\x41"}`, code: CodeBadJSON, text: notJSON},
		{name: "bad escape in key", in: `{"\a":1}`, code: CodeBadJSON, text: notJSON},
		{name: "short \\u", in: `{"a":"\u12"}`, code: CodeBadJSON, text: notJSON},
		{name: "bad hex", in: `{"a":"\u12g4"}`, code: CodeBadJSON, text: notJSON},
		{name: "backslash at end", in: `{"a":"\`, code: CodeBadJSON, text: notJSON},
		{name: "\\u at end", in: `{"a":"\u00`, code: CodeBadJSON, text: notJSON},
		{name: "invalid UTF-8", in: "{\"a\":\"\xff\"}", code: CodeBadJSON, text: notJSON},
		{name: "invalid UTF-8 in key", in: "{\"\xc3\":1}", code: CodeBadJSON, text: notJSON},
		{name: "truncated UTF-8", in: "{\"a\":\"\xe2\x82\"}", code: CodeBadJSON, text: notJSON},
		{name: "overlong UTF-8", in: "{\"a\":\"\xc0\xaf\"}", code: CodeBadJSON, text: notJSON},
		{name: "UTF-8 surrogate", in: "{\"a\":\"\xed\xa0\x80\"}", code: CodeBadJSON, text: notJSON},
		{name: "past U+10FFFF", in: "{\"a\":\"\xf4\x90\x80\x80\"}", code: CodeBadJSON, text: notJSON},
		{name: "invalid UTF-8 outside strings", in: "{\"a\":1\xc3\xa9}", code: CodeBadJSON, text: notJSON},
		{name: "leading zero", in: `{"a":01}`, code: CodeBadJSON, text: notJSON},
		{name: "plus sign", in: `{"a":+1}`, code: CodeBadJSON, text: notJSON},
		{name: "lone minus", in: `{"a":-}`, code: CodeBadJSON, text: notJSON},
		{name: "bare dot", in: `{"a":1.}`, code: CodeBadJSON, text: notJSON},
		{name: "leading dot", in: `{"a":.5}`, code: CodeBadJSON, text: notJSON},
		{name: "bare exponent", in: `{"a":1e}`, code: CodeBadJSON, text: notJSON},
		{name: "signed bare exponent", in: `{"a":1e+}`, code: CodeBadJSON, text: notJSON},
		{name: "hex number", in: `{"a":0x1}`, code: CodeBadJSON, text: notJSON},
		{name: "NaN", in: `{"a":NaN}`, code: CodeBadJSON, text: notJSON},
		{name: "bad literal", in: `{"a":tru}`, code: CodeBadJSON, text: notJSON},
		{name: "literal prefix", in: `{"a":nul`, code: CodeBadJSON, text: notJSON},
		{name: "literal suffix", in: `{"a":truex}`, code: CodeBadJSON, text: notJSON},
		{name: "capital literal", in: `{"a":True}`, code: CodeBadJSON, text: notJSON},
		{name: "non-JSON whitespace", in: "{\"a\":1\v}", code: CodeBadJSON, text: notJSON},
		{name: "NUL after", in: "{}\x00", code: CodeBadJSON, text: notJSON},
		{name: "depth 65", in: deep(65), code: CodeBadJSON, text: tooDeepText},
		{name: "depth 65 objects", in: deepObj(65), code: CodeBadJSON, text: tooDeepText},
		{name: "very deep", in: `{"a":` + strings.Repeat("[", 1<<20), code: CodeBadJSON, text: tooDeepText},
		{name: "bad JSON beats bad type", in: `{"type":5,}`, code: CodeBadJSON, text: notJSON},
		{name: "bad JSON beats bad type, later", in: `{"type":5,"a":"\xff"}`, code: CodeBadJSON, text: notJSON},

		{name: "type number", in: `{"type":5}`, code: CodeBadMessage, text: wrong("type")},
		{name: "action bool", in: `{"action":true}`, code: CodeBadMessage, text: wrong("action")},
		{name: "room false", in: `{"room":false}`, code: CodeBadMessage, text: wrong("room")},
		{name: "role object", in: `{"role":{}}`, code: CodeBadMessage, text: wrong("role")},
		{name: "name array", in: `{"name":["n"]}`, code: CodeBadMessage, text: wrong("name")},
		{name: "token number", in: `{"token":-1.5}`, code: CodeBadMessage, text: wrong("token")},
		{name: "resume object", in: `{"resume":{"a":1}}`, code: CodeBadMessage, text: wrong("resume")},
		{name: "to number", in: `{"type":"offer","to":7,"sdp":"s"}`, code: CodeBadMessage, text: wrong("to"),
			want: inbound{Type: "offer", SDP: json.RawMessage(`"s"`)}},
		{name: "first wrong type is named", in: `{"room":1,"type":2}`, code: CodeBadMessage, text: wrong("room")},
		{name: "wrong type then right", in: `{"type":5,"type":"ping"}`, code: CodeBadMessage, text: wrong("type"), want: inbound{Type: "ping"}},
		{name: "escaped key, wrong type", in: `{"\u0074o":1}`, code: CodeBadMessage, text: wrong("to")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := inbound{Type: "stale", SDP: json.RawMessage("1")}
			_, code, text := parseEnvelope([]byte(tt.in), &in)
			if code != tt.code || text != tt.text {
				t.Fatalf("parseEnvelope(%.80q) = %q, %q; want %q, %q", tt.in, code, text, tt.code, tt.text)
			}
			if code == CodeBadJSON {
				tt.want = inbound{} // bad-json leaves in zero, as decode does
			}
			if !reflect.DeepEqual(in, tt.want) {
				t.Errorf("parseEnvelope(%.80q) filled\n%s\nwant\n%s", tt.in, showInbound(in), showInbound(tt.want))
			}
			// Against the reference where it applies.
			if code != CodeBadJSON || len(tt.in) < 1000 {
				checkEnvelope(t, []byte(tt.in))
			}
		})
	}
}

// TestParseEnvelopeDecode runs parseEnvelope and decode side by side on
// inputs where they must agree exactly.
func TestParseEnvelopeDecode(t *testing.T) {
	for _, s := range envelopeSeeds {
		checkEnvelope(t, []byte(s))
	}
}

// TestParseEnvelopeBytes puts every byte, and every pair of bytes, at
// every position of the eight-byte string scan, in keys and in values.
func TestParseEnvelopeBytes(t *testing.T) {
	for k := range 18 {
		pad := strings.Repeat("x", k)
		chars := []string{"é", "€", "🎥", "\xef\xbf\xbd", "\xe2\x82", "\xf0\x9f\x8e", "\xed\xa0\x80", "\xc0\x80", "\xf4\x90\x80\x80", `\"`, `\\`, `\u12`}
		for b := range 256 {
			chars = append(chars, string([]byte{byte(b)}))
		}
		for _, c := range chars {
			for _, s := range []string{
				`{"type":"` + pad + c + `"}`,
				`{"type":"` + pad + c + pad + `","to":"p"}`,
				`{"` + pad + c + `":1}`,
				`{"type":"` + pad + `\` + c + `000"}`,
				`{"name":"` + pad + `\u00` + c + `f"}`,
			} {
				checkEnvelope(t, []byte(s))
			}
		}
	}
	for _, k := range []int{0, 6, 7} {
		pad := strings.Repeat("y", k)
		for b := range 1 << 16 {
			s := `{"type":"` + pad + string([]byte{byte(b >> 8), byte(b)}) + `\u0041"}`
			checkEnvelope(t, []byte(s))
		}
	}
}

func TestParseEnvelopeAliases(t *testing.T) {
	data := []byte(`{"type":"offer","to":"p","sdp":"abc","from":{"x":1}}`)
	var in inbound
	if _, code, _ := parseEnvelope(data, &in); code != "" {
		t.Fatal(code)
	}
	if i := bytes.Index(data, []byte(`"abc"`)); &in.SDP[0] != &data[i] || cap(in.SDP) != len(in.SDP) {
		t.Errorf("sdp is not the exact sub-slice of data, capped")
	}
	// Appending to a raw field must not write into data.
	_ = append(in.SDP, 'X')
	if !bytes.Contains(data, []byte(`"abc","from"`)) {
		t.Errorf("append to sdp changed data: %s", data)
	}
	// String fields do not alias data.
	copy(data, bytes.Repeat([]byte{' '}, len(data)))
	if in.Type != "offer" || in.To != "p" {
		t.Errorf("string fields alias data: %+v", in)
	}
}

func TestParseEnvelopeFromSpan(t *testing.T) {
	tests := []struct {
		in, cut string
		n       int
	}{
		{`{"type":"bye"}`, ``, 0},
		{`{"From":1,"FROM":2}`, ``, 0},
		{`{"from":"x"}`, `{}`, 1},
		{` { "from" : "x" } `, ` {  } `, 1},
		{`{"from":"x","type":"bye"}`, `{"type":"bye"}`, 1},
		{`{ "from" : "x" , "type":"bye"}`, `{  "type":"bye"}`, 1},
		{`{"type":"bye","from":"x"}`, `{"type":"bye"}`, 1},
		{`{"type":"bye" , "from" : "x" }`, `{"type":"bye"  }`, 1},
		{`{"type":"bye","from":{"a":[1,2]},"to":"p"}`, `{"type":"bye","to":"p"}`, 1},
		{`{"fr\u006fm":1,"to":"p"}`, `{"to":"p"}`, 1},
		{`{"from":"a","type":"bye","from":"b"}`, `{"from":"a","type":"bye"}`, 2},
		{`{"from":"a","from":"b"}`, `{"from":"a"}`, 2},
		{`{"from":"a","from":"b","to":"p"}`, `{"from":"a","to":"p"}`, 2},
	}
	for _, tt := range tests {
		var in inbound
		from, code, _ := parseEnvelope([]byte(tt.in), &in)
		if code != "" || from.n != tt.n {
			t.Errorf("parseEnvelope(%s): code %q, n %d; want n %d", tt.in, code, from.n, tt.n)
			continue
		}
		if tt.n == 0 {
			if from != noSpan {
				t.Errorf("parseEnvelope(%s): span %+v without from", tt.in, from)
			}
			continue
		}
		if cut := string(cutMember([]byte(tt.in), from.start, from.end)); cut != tt.cut {
			t.Errorf("cutMember(%s) = %s; want %s", tt.in, cut, tt.cut)
		}
		checkEnvelope(t, []byte(tt.in))
	}
	// Errors carry no span.
	for _, s := range []string{`{"from":1,"type":2}`, `{"from":1,}`} {
		var in inbound
		if from, _, _ := parseEnvelope([]byte(s), &in); from != noSpan {
			t.Errorf("parseEnvelope(%s): span %+v on error", s, from)
		}
	}
}

func TestParseEnvelopeAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("alloc counts")
	}
	if raceEnabled {
		t.Skip("alloc counts of a sync.Pool user under the race detector")
	}
	for _, tt := range []struct {
		msg  string
		want float64
	}{
		{`{"type":"ping"}`, 0},
		{`{"type":"candidate","candidate":{"candidate":"c","sdpMid":"0"},"from":"x"}`, 0},
		{`{"type":"createOffer","sdp":{"type":"offer","sdp":"v=0\r\n"}}`, 0},
		{string(envelopeOffer), 1}, // to's peer id
	} {
		data := []byte(tt.msg)
		got := testing.AllocsPerRun(100, func() {
			var in inbound
			if _, code, _ := parseEnvelope(data, &in); code != "" {
				t.Fatal(code)
			}
		})
		if got != tt.want {
			t.Errorf("parseEnvelope(%.40s...): %v allocs; want %v", tt.msg, got, tt.want)
		}
	}
}

// FuzzParseEnvelope checks parseEnvelope against encoding/json: the same
// inputs are valid, the same fields come out (with exact-case keys), the
// same wrong types are found, and the from span cuts exactly the last
// "from" member.
func FuzzParseEnvelope(f *testing.F) {
	for _, s := range envelopeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkEnvelope(t, data)
	})
}

// refMember is a top-level member as encoding/json sees it.
type refMember struct {
	key string
	raw json.RawMessage
}

// refMembers lists the members of a valid JSON object in order, by
// encoding/json.
func refMembers(t *testing.T, data []byte) []refMember {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("refMembers(%q): not an object: %v %v", data, tok, err)
	}
	var ms []refMember
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("refMembers(%q): %v", data, err)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			t.Fatalf("refMembers(%q): %v", data, err)
		}
		ms = append(ms, refMember{tok.(string), raw})
	}
	return ms
}

// inboundFields maps each json tag of inbound to its field index.
var inboundFields = func() map[string]int {
	m := map[string]int{}
	rt := reflect.TypeFor[inbound]()
	for i := range rt.NumField() {
		m[rt.Field(i).Tag.Get("json")] = i
	}
	return m
}()

// refEnvelope is what parseEnvelope must give for valid JSON object data,
// worked out with encoding/json member by member.
func refEnvelope(t *testing.T, ms []refMember) (in inbound, code, text string, froms int) {
	rv := reflect.ValueOf(&in).Elem()
	for _, m := range ms {
		i, ok := inboundFields[m.key]
		if !ok {
			continue
		}
		fv := rv.Field(i)
		if fv.Kind() != reflect.String {
			fv.SetBytes(m.raw)
			if m.key == "from" {
				froms++
			}
			continue
		}
		switch m.raw[0] {
		case '"':
			var s string
			if err := json.Unmarshal(m.raw, &s); err != nil {
				t.Fatal(err)
			}
			fv.SetString(s)
		case 'n':
		default:
			if code == "" {
				code, text = CodeBadMessage, fmt.Sprintf("field %q has the wrong type", m.key)
			}
		}
	}
	return in, code, text, froms
}

// jsonDepth is how deeply valid JSON data nests.
func jsonDepth(data []byte) int {
	depth, most, inString, escaped := 0, 0, false, false
	for _, c := range data {
		switch {
		case escaped:
			escaped = false
		case inString:
			escaped = c == '\\'
			inString = c != '"'
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			most = max(most, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return most
}

// sameRaw compares raw JSON values after compacting them.
func sameRaw(a, b json.RawMessage) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var ca, cb bytes.Buffer
	return json.Compact(&ca, a) == nil && json.Compact(&cb, b) == nil && bytes.Equal(ca.Bytes(), cb.Bytes())
}

// showInbound formats in for failure messages.
func showInbound(in inbound) string {
	return fmt.Sprintf("{type:%q action:%q room:%q role:%q name:%q token:%q resume:%q to:%q from:%.80s sdp:%.80s candidate:%.80s data:%.80s}",
		in.Type, in.Action, in.Room, in.Role, in.Name, in.Token, in.Resume, in.To, in.From, in.SDP, in.Candidate, in.Data)
}

func sameInbound(a, b inbound) bool {
	return a.Type == b.Type && a.Action == b.Action && a.Room == b.Room && a.Role == b.Role &&
		a.Name == b.Name && a.Token == b.Token && a.Resume == b.Resume && a.To == b.To &&
		sameRaw(a.From, b.From) && sameRaw(a.SDP, b.SDP) && sameRaw(a.Candidate, b.Candidate) && sameRaw(a.Data, b.Data)
}

// checkEnvelope checks parseEnvelope(data) against encoding/json.
func checkEnvelope(t *testing.T, data []byte) {
	t.Helper()
	orig := bytes.Clone(data)
	var in inbound
	from, code, text := parseEnvelope(data, &in)
	if !bytes.Equal(data, orig) {
		t.Fatalf("parseEnvelope changed its input")
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	isObject := len(trimmed) > 0 && trimmed[0] == '{'
	valid := isObject && json.Valid(data) && utf8.Valid(data) && jsonDepth(data) <= maxEnvelopeDepth
	if !valid {
		want := "not valid JSON"
		switch {
		case !isObject:
			want = "a message must be a JSON object"
		case json.Valid(data) && utf8.Valid(data):
			want = tooDeepText
		}
		// Invalid JSON that nests too deep before it goes wrong may be
		// called either.
		either := want == "not valid JSON" && text == tooDeepText
		if code != CodeBadJSON || (text != want && !either) || !reflect.DeepEqual(in, inbound{}) || from != noSpan {
			t.Fatalf("parseEnvelope(%.200q) = %s, %q, %q, %+v; want bad-json %q", data, showInbound(in), code, text, from, want)
		}
		return
	}
	ms := refMembers(t, data)
	want, wantCode, wantText, froms := refEnvelope(t, ms)
	if code != wantCode || text != wantText || !sameInbound(in, want) {
		t.Fatalf("parseEnvelope(%.200q) = %q, %q,\n%s\nwant %q, %q,\n%s", data, code, text, showInbound(in), wantCode, wantText, showInbound(want))
	}
	checkRawAliases(t, data, in)

	// decodeStd, the encoding/json decoder it replaced, must agree wherever its
	// case-insensitive key matching cannot make a difference.
	if decodeComparable(ms) {
		din, dcode, dtext := decodeStd(data)
		if dcode != code || dtext != text || !sameInbound(din, in) {
			t.Fatalf("decode(%.200q) = %q, %q,\n%s\nparseEnvelope gave %q, %q,\n%s", data, dcode, dtext, showInbound(din), code, text, showInbound(in))
		}
	}

	if code != "" {
		if from != noSpan {
			t.Fatalf("parseEnvelope(%q): span %+v on %s", data, from, code)
		}
		return
	}
	if from.n != froms {
		t.Fatalf("parseEnvelope(%q): %d froms; want %d", data, from.n, froms)
	}
	if froms == 0 {
		if from != noSpan {
			t.Fatalf("parseEnvelope(%q): span %+v without from", data, from)
		}
		return
	}
	if from.start < 0 || from.start >= from.end || from.end > len(data) {
		t.Fatalf("parseEnvelope(%q): bad span %+v", data, from)
	}
	// Cutting the span removes exactly the last from member.
	cut := cutMember(data, from.start, from.end)
	if !json.Valid(cut) {
		t.Fatalf("cutMember(%q, %d, %d) = %q: not valid JSON", data, from.start, from.end, cut)
	}
	last := -1
	for i, m := range ms {
		if m.key == "from" {
			last = i
		}
	}
	rest := append(ms[:last:last], ms[last+1:]...)
	got := refMembers(t, cut)
	if len(got) != len(rest) {
		t.Fatalf("cutMember(%q) = %q: members %v; want %v", data, cut, got, rest)
	}
	for i := range got {
		if got[i].key != rest[i].key || !sameRaw(got[i].raw, rest[i].raw) {
			t.Fatalf("cutMember(%q) = %q: members %v; want %v", data, cut, got, rest)
		}
	}
	var cin inbound
	if cfrom, ccode, _ := parseEnvelope(cut, &cin); ccode != "" || cfrom.n != froms-1 {
		t.Fatalf("parseEnvelope(cut %q) = %q with %d froms", cut, ccode, cfrom.n)
	}
	if froms == 1 {
		out := spliceFrom(cut, "SERVER")
		var back map[string]json.RawMessage
		if err := json.Unmarshal(out, &back); err != nil || string(back["from"]) != `"SERVER"` {
			t.Fatalf("spliceFrom(cut %q) = %q: %v", cut, out, err)
		}
	}
}

// checkRawAliases checks that the raw fields are capped sub-slices of data.
func checkRawAliases(t *testing.T, data []byte, in inbound) {
	t.Helper()
	for _, raw := range []json.RawMessage{in.From, in.SDP, in.Candidate, in.Data} {
		if raw == nil {
			continue
		}
		ok := false
		for i := range data {
			if &data[i] == &raw[0] {
				ok = i+len(raw) <= len(data) && cap(raw) == len(raw)
				break
			}
		}
		if !ok {
			t.Fatalf("parseEnvelope(%q): raw field %q is not a capped sub-slice of data", data, raw)
		}
	}
}

// decodeComparable reports whether encoding/json's case-insensitive field
// matching sees the same fields as exact matching in these members.
func decodeComparable(ms []refMember) bool {
	for _, m := range ms {
		for name := range inboundFields {
			if m.key != name && (strings.EqualFold(m.key, name) || !isASCII(m.key)) {
				return false
			}
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func BenchmarkParseEnvelope(b *testing.B) {
	benchEnvelope(b, func(data []byte) {
		var in inbound
		if _, code, _ := parseEnvelope(data, &in); code != "" {
			b.Fatal(code)
		}
	})
}

func BenchmarkUnmarshalEnvelope(b *testing.B) {
	benchEnvelope(b, func(data []byte) {
		var in inbound
		if err := json.Unmarshal(data, &in); err != nil {
			b.Fatal(err)
		}
	})
}

func benchEnvelope(b *testing.B, parse func([]byte)) {
	for _, bm := range []struct {
		name string
		msg  []byte
	}{
		{"offer3K", envelopeOffer},
		{"offer3K-dialectRole", []byte(`{"type":"createOffer","sdp":{"type":"offer","sdp":"v=0\r\n` + sdp3K + `"}}`)},
		{"candidate", []byte(`{"type":"candidate","to":"c0ffee0123456789","candidate":{"candidate":"candidate:1 1 udp 2130706431 192.168.1.10 50000 typ host","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"abcd"}}`)},
		{"unicode3K", []byte(`{"type":"offer","to":"c0ffee0123456789","sdp":"` + strings.Repeat("a=x-note:Zoë 日本 🎥\\r\\n", 110) + `"}`)},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(len(bm.msg)))
			b.ReportAllocs()
			for b.Loop() {
				parse(bm.msg)
			}
		})
	}
}

// decodeStd is the encoding/json envelope decoder parseEnvelope replaced,
// kept as the fuzzer's reference.
func decodeStd(data []byte) (in inbound, code, text string) {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return in, CodeBadJSON, "a message must be a JSON object"
	}
	err := json.Unmarshal(data, &in)
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		return in, "", ""
	case errors.As(err, &typeErr):
		return in, CodeBadMessage, fmt.Sprintf("field %q has the wrong type", typeErr.Field)
	default:
		return in, CodeBadJSON, "not valid JSON"
	}
}
