package whip

import (
	"net/http"
	"strings"

	"github.com/webrtc-cli/webrtc-cli/signal"
)

// maxLinks bounds what ParseLinks returns from a hostile response.
const maxLinks = 32

// formatLink writes one Link header value announcing an ICE server URL,
// with TURN credentials when user or cred is set (RFC 9725 §4.6).
func formatLink(url, user, cred string) string {
	s := "<" + url + `>; rel="ice-server"`
	if user != "" || cred != "" {
		s += "; username=" + quote(user) + "; credential=" + quote(cred) + `; credential-type="password"`
	}
	return s
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// ParseLinks gives the ICE servers a response announces in Link headers
// with rel="ice-server": several headers or several comma-separated links
// in one, parameters in any order and case, quoted or not. Links with
// another relation, a URL that is not stun:, stuns:, turn: or turns:, or
// a credential-type other than password are skipped, and so is a link
// that does not parse.
func ParseLinks(h http.Header) []signal.ICEServer {
	var out []signal.ICEServer
	for _, v := range h.Values("Link") {
		p := linkParser{s: v}
		for len(out) < maxLinks {
			url, params, ok, more := p.next()
			if ok {
				if s, ok := iceServer(url, params); ok {
					out = append(out, s)
				}
			}
			if !more {
				break
			}
		}
	}
	return out
}

func iceServer(url string, params map[string]string) (signal.ICEServer, bool) {
	scheme, _, _ := strings.Cut(url, ":")
	switch strings.ToLower(scheme) {
	case "stun", "stuns", "turn", "turns":
	default:
		return signal.ICEServer{}, false
	}
	rel := false
	for _, r := range strings.Fields(params["rel"]) {
		rel = rel || strings.EqualFold(r, "ice-server")
	}
	if ct, ok := params["credential-type"]; !rel || ok && !strings.EqualFold(ct, "password") {
		return signal.ICEServer{}, false
	}
	return signal.ICEServer{URLs: []string{url}, Username: params["username"], Credential: params["credential"]}, true
}

// linkParser reads link-values (RFC 8288 §3) one at a time.
type linkParser struct {
	s string
	i int
}

// next reads one link-value: ok says it parsed, more that another may
// follow. After a malformed one it skips to the next top-level comma.
func (p *linkParser) next() (url string, params map[string]string, ok, more bool) {
	p.space()
	for p.i < len(p.s) && p.s[p.i] == ',' { // empty list elements
		p.i++
		p.space()
	}
	if p.i == len(p.s) {
		return "", nil, false, false
	}
	if p.s[p.i] != '<' {
		return "", nil, false, p.skip()
	}
	end := strings.IndexByte(p.s[p.i:], '>')
	if end < 0 {
		return "", nil, false, false
	}
	url = strings.TrimSpace(p.s[p.i+1 : p.i+end])
	p.i += end + 1
	params = map[string]string{}
	for {
		p.space()
		if p.i == len(p.s) {
			return url, params, true, false
		}
		switch p.s[p.i] {
		case ',':
			p.i++
			return url, params, true, true
		case ';':
			p.i++
		default:
			return "", nil, false, p.skip()
		}
		p.space()
		name := strings.ToLower(p.token())
		p.space()
		value := ""
		if p.i < len(p.s) && p.s[p.i] == '=' {
			p.i++
			p.space()
			if p.i < len(p.s) && p.s[p.i] == '"' {
				var closed bool
				if value, closed = p.quoted(); !closed {
					return "", nil, false, false
				}
			} else {
				value = p.token()
			}
		}
		if _, dup := params[name]; name != "" && !dup { // RFC 8288: the first rel wins
			params[name] = value
		}
	}
}

func (p *linkParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// token reads up to a delimiter of the link syntax.
func (p *linkParser) token() string {
	start := p.i
	for p.i < len(p.s) && !strings.ContainsRune(` ;,="<>`+"\t", rune(p.s[p.i])) {
		p.i++
	}
	return p.s[start:p.i]
}

// quoted reads a quoted-string at p.i, undoing backslash escapes.
func (p *linkParser) quoted() (string, bool) {
	var b strings.Builder
	for p.i++; p.i < len(p.s); p.i++ {
		switch c := p.s[p.i]; c {
		case '"':
			p.i++
			return b.String(), true
		case '\\':
			if p.i+1 < len(p.s) {
				p.i++
				b.WriteByte(p.s[p.i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", false
}

// skip moves past the next comma outside quotes and angle brackets and
// reports whether there was one.
func (p *linkParser) skip() bool {
	inQuote, inURL := false, false
	for ; p.i < len(p.s); p.i++ {
		switch c := p.s[p.i]; {
		case inQuote && c == '\\':
			p.i++
		case c == '"' && !inURL:
			inQuote = !inQuote
		case c == '<' && !inQuote:
			inURL = true
		case c == '>' && !inQuote:
			inURL = false
		case c == ',' && !inQuote && !inURL:
			p.i++
			return true
		}
	}
	return false
}
