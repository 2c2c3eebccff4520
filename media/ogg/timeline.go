package ogg

import "fmt"

// timeline turns page granule positions into packet start times.
//
// A page's granule is the end, in samples, of the last packet that ends on
// it, so packets are placed backwards from it using their TOC durations.
// That keeps a granule jump between pages as a jump in Start: RFC 7845
// forbids such gaps (our Writer fills them with concealment packets
// instead) and ffmpeg ignores them, but the jump is what the writer meant,
// and pacing by it is the faithful reading. Two cases are
// placed forwards from the previous page's end instead: a page whose
// packets would overlap the previous page (the last page of a stream,
// whose granule is cut short by end trimming, RFC 7845 4.4) and a page
// with granule -1 although packets end on it (invalid, but harmless). On
// the last page, the durations of trimmed packets are cut to the granule,
// as decoders do.
type timeline struct {
	started bool
	first   int64 // granule at which the first audio packet starts
	end     int64 // granule at which the last placed packet ends
}

func (t *timeline) place(packets [][]byte, granule int64, last bool) ([]Packet, error) {
	if granule < granuleNone {
		return nil, fmt.Errorf("%w: negative granule position %d", ErrCorrupt, granule)
	}
	durs := make([]uint32, len(packets))
	var total int64
	for i, p := range packets {
		d, err := PacketDuration(p)
		if err != nil {
			return nil, err
		}
		durs[i] = d
		total += int64(d)
	}

	base := t.end
	switch {
	case !t.started:
		// A first page that is also the last may end before its packets
		// do: that is end trimming of a stream starting at 0 (RFC 7845 4).
		if granule != granuleNone && !(last && granule < total) {
			base = granule - total
		}
		t.first, t.started = base, true
	case granule != granuleNone && granule-total >= t.end:
		base = granule - total
	}
	trim := last && granule != granuleNone && base+total > granule

	out := make([]Packet, len(packets))
	for i, p := range packets {
		d := durs[i]
		if trim {
			d = uint32(min(int64(d), max(granule-base, 0)))
		}
		out[i] = Packet{Data: p, Start: uint64(base - t.first), Duration: d}
		base += int64(durs[i])
	}
	t.end = base
	return out, nil
}
