package app

import (
	"strings"
)

// safeName turns a name a remote peer chose (display name, track id) into
// one path element: only [A-Za-z0-9._-], at most 64 bytes, never "." or
// "..", never empty (fallback is used instead). Nothing a peer sends can
// name a path outside the output directory.
func safeName(s, fallback string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == '.' && b.Len() > 0:
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 64 {
			break
		}
	}
	out := strings.TrimRight(b.String(), ".")
	if len(out) > 64 {
		out = out[:64]
	}
	if strings.Trim(out, "_") == "" {
		return fallback
	}
	return out
}
