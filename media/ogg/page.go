package ogg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Header type flags (RFC 3533 6).
const (
	flagContinued = 0x01 // the first packet continues one from the previous page
	flagBOS       = 0x02
	flagEOS       = 0x04
)

const (
	pageHeaderSize = 27
	maxSegments    = 255
	maxPageSize    = pageHeaderSize + maxSegments + maxSegments*255
	// granuleNone marks a page on which no packet ends.
	granuleNone = -1
)

// page is one parsed page; segments and body alias the pageReader's buffer
// and are valid until the next read.
type page struct {
	flags    byte
	granule  int64
	serial   uint32
	seq      uint32
	segments []byte // lacing values
	body     []byte
	offset   int64 // of the capture pattern, for error messages
}

// pageReader reads and verifies pages one at a time.
type pageReader struct {
	r      io.Reader
	offset int64
	buf    []byte
}

func newPageReader(r io.Reader) pageReader {
	return pageReader{r: r, buf: make([]byte, maxPageSize)}
}

// next returns the next page, io.EOF if the input ends cleanly between
// pages, or an error wrapping ErrTruncated, ErrCapture, ErrVersion or ErrCRC.
func (pr *pageReader) next() (page, error) {
	p := page{offset: pr.offset}
	hdr := pr.buf[:pageHeaderSize]
	if n, err := io.ReadFull(pr.r, hdr); err != nil {
		if err == io.EOF {
			return p, io.EOF
		}
		return p, pr.short(err, "page header", n, len(hdr))
	}
	if string(hdr[0:4]) != "OggS" {
		return p, fmt.Errorf("%w at offset %d: %q", ErrCapture, p.offset, hdr[0:4])
	}
	if hdr[4] != 0 {
		return p, fmt.Errorf("%w %d at offset %d", ErrVersion, hdr[4], p.offset)
	}
	p.flags = hdr[5]
	p.granule = int64(binary.LittleEndian.Uint64(hdr[6:]))
	p.serial = binary.LittleEndian.Uint32(hdr[14:])
	p.seq = binary.LittleEndian.Uint32(hdr[18:])
	stored := binary.LittleEndian.Uint32(hdr[22:])
	nseg := int(hdr[26])

	p.segments = pr.buf[pageHeaderSize : pageHeaderSize+nseg]
	if n, err := io.ReadFull(pr.r, p.segments); err != nil {
		return p, pr.short(err, "segment table", n, nseg)
	}
	size := 0
	for _, l := range p.segments {
		size += int(l)
	}
	start := pageHeaderSize + nseg
	p.body = pr.buf[start : start+size]
	if n, err := io.ReadFull(pr.r, p.body); err != nil {
		return p, pr.short(err, "page body", n, size)
	}

	binary.LittleEndian.PutUint32(hdr[22:], 0) // the CRC covers itself as zero
	if sum := crcUpdate(0, pr.buf[:start+size]); sum != stored {
		return p, fmt.Errorf("%w at offset %d: stored %08x, computed %08x", ErrCRC, p.offset, stored, sum)
	}
	pr.offset += int64(start + size)
	return p, nil
}

func (pr *pageReader) short(err error, what string, got, want int) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: page at offset %d: %s: got %d of %d bytes",
			ErrTruncated, pr.offset, what, got, want)
	}
	return fmt.Errorf("ogg: reading page at offset %d: %w", pr.offset, err)
}

// appendPage appends an encoded page holding the given lacing values and
// body to dst.
func appendPage(dst []byte, flags byte, granule int64, serial, seq uint32, lacing, body []byte) []byte {
	start := len(dst)
	dst = append(dst, "OggS"...)
	dst = append(dst, 0, flags)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(granule))
	dst = binary.LittleEndian.AppendUint32(dst, serial)
	dst = binary.LittleEndian.AppendUint32(dst, seq)
	dst = binary.LittleEndian.AppendUint32(dst, 0) // CRC, filled in below
	dst = append(dst, byte(len(lacing)))
	dst = append(dst, lacing...)
	dst = append(dst, body...)
	binary.LittleEndian.PutUint32(dst[start+22:], crcUpdate(0, dst[start:]))
	return dst
}

// appendLacing appends the lacing values for one packet of n bytes: a 255
// for each full segment, then the remainder, which is 0 if n is a multiple
// of 255 so the reader sees where the packet ends.
func appendLacing(lacing []byte, n int) []byte {
	for ; n >= 255; n -= 255 {
		lacing = append(lacing, 255)
	}
	return append(lacing, byte(n))
}
