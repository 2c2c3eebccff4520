package ogg

import (
	"fmt"
	"io"
)

// maxPacketSize caps a packet assembled across pages. Opus audio packets
// stay under 64 KiB; OpusTags can carry cover art, so allow far more, but
// not what an endless chain of continued pages would make us allocate.
const maxPacketSize = 16 << 20

// Packet is one Opus packet.
type Packet struct {
	Data []byte
	// Start is where the packet begins, in 48 kHz samples from the start of
	// the first audio packet. It comes from the page granule positions, so
	// a gap left by DTX shows as a jump. The first packet of a stream
	// starts at 0; pre-skip is not subtracted (those samples are inside
	// the first packets and a pacer must send them too).
	Start uint64
	// Duration is the packet's length in 48 kHz samples from its TOC,
	// except at the end of an end-trimmed stream (RFC 7845 4.4), where it
	// is what the last page's granule leaves of it, as ffmpeg reports. So
	// Start+Duration of the last packet is the end of the stream.
	Duration uint32
}

// Reader reads Opus packets from an Ogg Opus stream.
type Reader struct {
	pages  pageReader
	head   Head
	serial uint32
	seq    uint32
	nPages int // pages of our stream read so far

	partial   []byte // a packet continued on the next page
	inPartial bool
	nPackets  int // completed packets, OpusHead and OpusTags included

	timeline timeline
	queue    []Packet // placed packets not yet returned
	eos      bool
	err      error // sticky, so a bad stream cannot be half-resumed
}

// NewReader reads the OpusHead and OpusTags headers; the first audio
// packet is then the first Next.
func NewReader(r io.Reader) (*Reader, error) {
	rd := &Reader{pages: newPageReader(r)}
	for rd.nPackets < 2 {
		if rd.eos {
			return nil, fmt.Errorf("%w: stream ends before its headers", ErrNotOpus)
		}
		if err := rd.readPage(); err == io.EOF {
			return nil, fmt.Errorf("%w: input ends before the Opus headers", ErrTruncated)
		} else if err != nil {
			return nil, err
		}
	}
	return rd, nil
}

// Head returns the stream's OpusHead.
func (r *Reader) Head() Head { return r.head }

// Next returns the next audio packet, or io.EOF after the last one.
func (r *Reader) Next() (Packet, error) {
	for len(r.queue) == 0 {
		if r.err != nil {
			return Packet{}, r.err
		}
		if r.eos {
			return Packet{}, io.EOF
		}
		if err := r.readPage(); err != nil {
			if err == io.EOF && r.inPartial {
				err = fmt.Errorf("%w: input ends inside a packet", ErrTruncated)
			}
			r.err = err
		}
	}
	p := r.queue[0]
	r.queue = r.queue[1:]
	return p, nil
}

// readPage reads one page of our stream and queues the audio packets that
// end on it.
func (r *Reader) readPage() error {
	p, err := r.pages.next()
	if err != nil {
		return err
	}
	if r.nPages == 0 {
		r.serial = p.serial
	} else if p.serial != r.serial {
		return nil // another logical stream multiplexed with ours
	} else if p.seq != r.seq+1 {
		return fmt.Errorf("%w: page at offset %d has sequence %d after %d (lost pages)",
			ErrCorrupt, p.offset, p.seq, r.seq)
	}
	r.seq = p.seq
	r.nPages++

	packets, err := r.split(p)
	if err != nil {
		return err
	}
	var audio [][]byte
	for _, pkt := range packets {
		switch r.nPackets {
		case 0:
			if r.head, err = parseHead(pkt); err != nil {
				return err
			}
		case 1:
			if !isTags(pkt) {
				return fmt.Errorf("%w: second packet is not OpusTags", ErrNotOpus)
			}
		default:
			audio = append(audio, pkt)
		}
		r.nPackets++
	}
	if p.flags&flagEOS != 0 {
		if r.inPartial {
			return fmt.Errorf("%w: end-of-stream page at offset %d ends inside a packet", ErrCorrupt, p.offset)
		}
		r.eos = true
	}
	if len(audio) == 0 {
		return nil
	}
	placed, err := r.timeline.place(audio, p.granule, r.eos)
	if err != nil {
		return fmt.Errorf("%w (page at offset %d)", err, p.offset)
	}
	r.queue = append(r.queue, placed...)
	return nil
}

// split returns the packets completed on p, joining one continued from
// earlier pages. Each returned slice is a fresh copy.
func (r *Reader) split(p page) ([][]byte, error) {
	continued := p.flags&flagContinued != 0
	if continued && !r.inPartial {
		return nil, fmt.Errorf("%w: page at offset %d continues a packet that never started", ErrCorrupt, p.offset)
	}
	if !continued && r.inPartial {
		return nil, fmt.Errorf("%w: page at offset %d drops the end of a packet", ErrCorrupt, p.offset)
	}
	var packets [][]byte
	pos, start := 0, 0 // start: where the current packet's bytes began in body
	for _, l := range p.segments {
		pos += int(l)
		if l == 255 {
			continue
		}
		if r.inPartial {
			pkt, err := r.grow(p.body[start:pos])
			if err != nil {
				return nil, err
			}
			packets = append(packets, pkt)
			r.partial, r.inPartial = nil, false
		} else {
			packets = append(packets, append([]byte(nil), p.body[start:pos]...))
		}
		start = pos
	}
	if n := len(p.segments); n > 0 && p.segments[n-1] == 255 {
		if _, err := r.grow(p.body[start:]); err != nil {
			return nil, err
		}
		r.inPartial = true
	}
	return packets, nil
}

func (r *Reader) grow(b []byte) ([]byte, error) {
	if len(r.partial)+len(b) > maxPacketSize {
		return nil, fmt.Errorf("%w: packet over %d bytes", ErrPacketTooLarge, maxPacketSize)
	}
	r.partial = append(r.partial, b...)
	return r.partial, nil
}
