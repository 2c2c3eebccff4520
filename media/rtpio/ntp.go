package rtpio

import "time"

// ntpEpochOffset is the seconds from 1900 (NTP's epoch) to 1970.
const ntpEpochOffset = 2208988800

// NTPTime converts a 64-bit NTP timestamp (RTCP sender reports) to time.
func NTPTime(ntp uint64) time.Time {
	secs := int64(ntp>>32) - ntpEpochOffset
	frac := int64(ntp&0xffffffff) * int64(time.Second) >> 32
	return time.Unix(secs, frac)
}

// NTPMiddle is the middle 32 bits of t's NTP timestamp, in 1/65536 s: the
// form of a reception report's LSR and DLSR, for round-trip times.
func NTPMiddle(t time.Time) uint32 {
	secs := uint64(t.Unix()) + ntpEpochOffset
	frac := uint64(t.Nanosecond()) << 32 / uint64(time.Second)
	return uint32(secs<<16 | frac>>16)
}
