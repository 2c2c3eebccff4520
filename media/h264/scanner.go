package h264

import (
	"bytes"
	"fmt"
	"io"
)

const readChunk = 64 << 10

// scanner splits an Annex-B byte stream into NAL units, reading as it
// goes: it holds one NAL unit and a read-ahead chunk, never the stream.
type scanner struct {
	r       io.Reader
	buf     []byte
	pos     int   // first byte of the NAL unit being scanned
	end     int   // buf[:end] holds data
	scan    int   // how far past pos the search for its end has got
	base    int64 // stream offset of buf[0]
	eof     bool
	started bool
}

// next returns the next non-empty NAL unit without its start code and
// trailing zero bytes, and its stream offset. The slice is valid until the
// next call. It returns io.EOF at the end of the stream.
func (s *scanner) next() ([]byte, int64, error) {
	if !s.started {
		if err := s.begin(); err != nil {
			return nil, 0, err
		}
	}
	for {
		b := s.buf[s.pos:s.end]
		if len(b) == 0 && s.eof {
			return nil, 0, io.EOF
		}
		nalEnd, next, st := findStart(b, s.scan, s.eof)
		switch st {
		case scanFound:
			nal, off := b[:nalEnd], s.base+int64(s.pos)
			s.pos, s.scan = s.pos+next, 0
			if len(nal) == 0 {
				continue // two start codes in a row
			}
			return nal, off, nil
		case scanForbidden:
			return nil, 0, fmt.Errorf("%w: bytes 00 00 %02x inside the NAL unit at offset %d (offset %d)",
				ErrBadNAL, b[nalEnd+2], s.base+int64(s.pos), s.base+int64(s.pos+nalEnd))
		}
		s.scan = nalEnd // resume there: nothing before it can end the unit
		if len(b) > MaxAccessUnitSize {
			return nil, 0, fmt.Errorf("%w: NAL unit at offset %d is over %d bytes", ErrTooLarge, s.base+int64(s.pos), MaxAccessUnitSize)
		}
		if err := s.fill(); err != nil {
			return nil, 0, err
		}
	}
}

// begin skips the leading zero bytes and the first start code.
func (s *scanner) begin() error {
	for {
		i := s.pos
		for i < s.end && s.buf[i] == 0 {
			i++
		}
		if i == s.end {
			switch {
			case s.eof && s.base+int64(s.end) == 0:
				return io.EOF // an empty stream
			case s.eof:
				return fmt.Errorf("%w: only zero bytes", ErrNotAnnexB)
			}
			s.pos = max(s.pos, i-2) // keep two zeros, drop the rest
			if err := s.fill(); err != nil {
				return err
			}
			continue
		}
		if i-s.pos < 2 || s.buf[i] != 1 {
			head := s.buf[s.pos:min(s.end, s.pos+8)]
			return fmt.Errorf("%w: starts with % x, not a start code (00 00 01)", ErrNotAnnexB, head)
		}
		s.pos, s.started = i+1, true
		return nil
	}
}

// fill reads more data, first moving what is left to the front of buf or
// growing it.
func (s *scanner) fill() error {
	if s.pos > 0 && (s.end == len(s.buf) || s.pos >= len(s.buf)/2) {
		copy(s.buf, s.buf[s.pos:s.end])
		s.base += int64(s.pos)
		s.end -= s.pos
		s.pos = 0
	}
	if len(s.buf)-s.end < readChunk/2 {
		grown := make([]byte, max(2*len(s.buf), readChunk))
		copy(grown, s.buf[:s.end])
		s.buf = grown
	}
	for range 100 { // io.Reader allows 0, nil; do not spin on it forever
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err == io.EOF {
			s.eof = true
			return nil
		}
		if err != nil {
			return fmt.Errorf("h264: reading at offset %d: %w", s.base+int64(s.end), err)
		}
		if n > 0 {
			return nil
		}
	}
	return fmt.Errorf("h264: reading at offset %d: %w", s.base+int64(s.end), io.ErrNoProgress)
}

type scanState int

const (
	scanMore      scanState = iota // the unit may go on past b
	scanFound                      // b[:nalEnd] is the unit; the next starts at next
	scanForbidden                  // b[nalEnd:] starts 00 00 00 or 00 00 02 with no start code
)

// findStart looks in b, from index from, for the start code that ends the
// NAL unit beginning at b[0]. Zero bytes before a start code belong to
// neither unit (trailing_zero_8bits, or the first byte of a 4-byte start
// code). With more, nalEnd is where a rescan must resume; at eof the unit
// runs to the end of b.
func findStart(b []byte, from int, eof bool) (nalEnd, next int, st scanState) {
	i := from
	for {
		k := bytes.IndexByte(b[i:], 0)
		if k < 0 {
			if eof {
				return len(b), len(b), scanFound
			}
			return len(b), 0, scanMore
		}
		p := i + k
		if p+2 >= len(b) || b[p+1] == 0 && b[p+2] == 0 {
			// 00 00 00...: trailing zeros then a start code, or the end.
			q := p + 1
			for q < len(b) && b[q] == 0 {
				q++
			}
			switch {
			case q == len(b) && eof:
				return p, len(b), scanFound
			case q == len(b):
				return p, 0, scanMore
			case q-p >= 2 && b[q] == 1:
				return p, q + 1, scanFound
			case q-p >= 3:
				return p, 0, scanForbidden
			}
			i = q // a lone 00 or 00 00 before other bytes
			continue
		}
		if b[p+1] != 0 {
			i = p + 2
			continue
		}
		switch b[p+2] {
		case 1:
			return p, p + 3, scanFound
		case 2:
			return p, 0, scanForbidden
		}
		i = p + 3 // 00 00 03 (emulation prevention) or 00 00 xx, xx > 3
	}
}
