package whip

import (
	"bytes"
	"fmt"
	"strings"
)

// Frag is an SDP fragment of type application/trickle-ice-sdpfrag (RFC
// 8840): ICE credentials and candidates, sent in a PATCH to trickle them
// or to restart ICE.
type Frag struct {
	Ufrag, Pwd string // session-level a=ice-ufrag and a=ice-pwd, if any
	Media      []FragMedia
}

// FragMedia is one media section of a Frag, named by its mid.
type FragMedia struct {
	Mid        string
	Ufrag, Pwd string // media-level credentials, if any
	// Candidates are attribute values without "a=", like
	// "candidate:1 1 udp 2130706431 192.0.2.1 5000 typ host".
	Candidates      []string
	EndOfCandidates bool
}

// Limits of ParseFrag: a fragment is a few dozen lines; these keep a
// hostile one from costing more than a moment.
const (
	maxFragBytes = 1 << 20
	maxFragLines = 10000
)

// Credentials gives the fragment's ICE ufrag and pwd: the session-level
// ones, or else the first media section's that has a ufrag.
func (f Frag) Credentials() (ufrag, pwd string) {
	if f.Ufrag != "" {
		return f.Ufrag, f.Pwd
	}
	for _, m := range f.Media {
		if m.Ufrag != "" {
			return m.Ufrag, m.Pwd
		}
	}
	return "", ""
}

// ParseFrag parses an sdpfrag with CRLF or LF line ends. Lines other
// than ice-ufrag, ice-pwd, mid, candidate, end-of-candidates and m= are
// checked for form and skipped (ice-options, group, v=, ...). A
// session-level end-of-candidates applies to every media section.
func ParseFrag(b []byte) (Frag, error) {
	var f Frag
	if len(b) > maxFragBytes {
		return f, fmt.Errorf("%w: over %d bytes", ErrBadFrag, maxFragBytes)
	}
	lines := bytes.Split(b, []byte("\n"))
	if len(lines) > maxFragLines {
		return f, fmt.Errorf("%w: over %d lines", ErrBadFrag, maxFragLines)
	}
	var m *FragMedia // the current media section, nil at session level
	allEnd := false
	for i, raw := range lines {
		line := string(bytes.TrimSuffix(raw, []byte("\r")))
		if line == "" {
			continue
		}
		bad := func(why string) error {
			return fmt.Errorf("%w: line %d: %s: %.40q", ErrBadFrag, i+1, why, line)
		}
		if len(line) < 2 || line[0] < 'a' || line[0] > 'z' || line[1] != '=' {
			return Frag{}, bad("not an SDP line")
		}
		if strings.ContainsFunc(line, isControl) {
			return Frag{}, bad("control character")
		}
		if line[0] == 'm' {
			f.Media = append(f.Media, FragMedia{})
			m = &f.Media[len(f.Media)-1]
			continue
		}
		if line[0] != 'a' {
			continue
		}
		name, value, _ := strings.Cut(line[2:], ":")
		value = strings.TrimSpace(value)
		switch name {
		case "ice-ufrag", "ice-pwd":
			if value == "" {
				return Frag{}, bad("empty " + name)
			}
			u, p := &f.Ufrag, &f.Pwd
			if m != nil {
				u, p = &m.Ufrag, &m.Pwd
			}
			if name == "ice-ufrag" {
				*u = value
			} else {
				*p = value
			}
		case "mid", "candidate", "end-of-candidates":
			if m == nil {
				if name == "end-of-candidates" {
					allEnd = true
					continue
				}
				return Frag{}, bad("a=" + name + " before any m= line")
			}
			switch name {
			case "mid":
				m.Mid = value
			case "candidate":
				if value == "" {
					return Frag{}, bad("empty candidate")
				}
				m.Candidates = append(m.Candidates, "candidate:"+value)
			default:
				m.EndOfCandidates = true
			}
		}
	}
	if allEnd {
		for i := range f.Media {
			f.Media[i].EndOfCandidates = true
		}
	}
	return f, nil
}

func isControl(r rune) bool { return r < ' ' || r == 0x7f }

// Marshal writes f as an sdpfrag with CRLF line ends and, as RFC 8840
// shows, a placeholder m= line before each media section.
func (f Frag) Marshal() []byte {
	var b strings.Builder
	attr := func(name, value string) {
		if value != "" {
			b.WriteString("a=" + name + ":" + value + "\r\n")
		}
	}
	attr("ice-ufrag", f.Ufrag)
	attr("ice-pwd", f.Pwd)
	for _, m := range f.Media {
		b.WriteString("m=audio 9 RTP/AVP 0\r\n")
		attr("mid", m.Mid)
		attr("ice-ufrag", m.Ufrag)
		attr("ice-pwd", m.Pwd)
		for _, c := range m.Candidates {
			b.WriteString("a=candidate:" + strings.TrimPrefix(c, "candidate:") + "\r\n")
		}
		if m.EndOfCandidates {
			b.WriteString("a=end-of-candidates\r\n")
		}
	}
	return []byte(b.String())
}
