package icecheck

import (
	"fmt"
	"io"
	"strings"
)

// WriteText writes r as a table: a line per server URL, then the host
// addresses and the NAT's mapping.
func (r *Result) WriteText(w io.Writer) error {
	width := len("host")
	for _, s := range r.Servers {
		width = max(width, len(s.URL))
	}
	var b strings.Builder
	for _, s := range r.Servers {
		fmt.Fprintf(&b, "%-*s  %s\n", width, s.URL, s.summary())
	}
	hosts := strings.Join(r.Host, " ")
	if hosts == "" {
		hosts = "none: no network interface is up"
	}
	fmt.Fprintf(&b, "%-*s  %s\n", width, "host", hosts)
	fmt.Fprintf(&b, "%-*s  %s: %s\n", width, "nat", r.NAT.Mapping, r.NAT.Detail)
	_, err := io.WriteString(w, b.String())
	return err
}

// summary is the verdict on s, after its URL.
func (s ServerResult) summary() string {
	switch {
	case !s.OK && s.Code != 0:
		return fmt.Sprintf("FAIL  %d %s", s.Code, s.Error)
	case !s.OK:
		return "FAIL  " + s.Error
	}
	line := fmt.Sprintf("ok    rtt %.1f ms  srflx %s", s.RTTMillis, s.Srflx)
	if s.Relay != "" {
		line += "  relay " + s.Relay
	}
	return line
}
