package turnserver

import "testing"

func FuzzParsePortRange(f *testing.F) {
	for _, s := range []string{"49152-65535", "1-1", "5-3", "a-b", "-", "0-70000", " 10 - 20 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lo, hi, err := ParsePortRange(s)
		if err == nil && (lo < 1 || hi > 65535 || lo > hi) {
			t.Fatalf("%q: %d-%d accepted", s, lo, hi)
		}
	})
}
