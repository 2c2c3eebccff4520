package rtpio

import (
	"testing"
	"time"
)

func TestNTP(t *testing.T) {
	at := time.Date(2026, 12, 3, 14, 0, 0, 250_000_000, time.UTC)
	secs := uint64(at.Unix()) + ntpEpochOffset
	ntp := secs<<32 | 1<<30 // .25 s
	if got := NTPTime(ntp); !got.Equal(at) {
		t.Fatalf("NTPTime = %v, want %v", got, at)
	}
	if got, want := NTPMiddle(at), uint32(ntp>>16); got != want {
		t.Fatalf("NTPMiddle = %#x, want %#x", got, want)
	}
}
