package ivf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Frame is one IVF frame: for VP8 one frame, for VP9 one superframe, for AV1
// one temporal unit.
type Frame struct {
	Data []byte
	PTS  uint64 // in the header's timebase, exactly as stored
}

// Reader reads frames from an IVF stream.
type Reader struct {
	r      io.Reader
	h      Header
	index  int   // frames returned so far, for error messages
	offset int64 // bytes consumed so far, for error messages
	fh     [frameHeaderSize]byte
}

// NewReader reads and checks the file header.
func NewReader(r io.Reader) (*Reader, error) {
	var b [fileHeaderSize]byte
	if n, err := io.ReadFull(r, b[:]); err != nil {
		return nil, shortRead(err, "file header", n, len(b))
	}
	h, size, err := parseHeader(b[:])
	if err != nil {
		return nil, err
	}
	if extra := int64(size - fileHeaderSize); extra > 0 {
		if n, err := io.CopyN(io.Discard, r, extra); err != nil {
			return nil, shortRead(err, "file header", fileHeaderSize+int(n), size)
		}
	}
	return &Reader{r: r, h: h, offset: int64(size)}, nil
}

// Header returns the file header as read.
func (r *Reader) Header() Header { return r.h }

// Next returns the next frame, io.EOF at a clean end of stream, or an error
// wrapping ErrTruncated or ErrFrameTooLarge. The returned Data is freshly
// allocated and owned by the caller.
func (r *Reader) Next() (Frame, error) {
	n, err := io.ReadFull(r.r, r.fh[:])
	if err == io.EOF {
		return Frame{}, io.EOF
	}
	if err != nil {
		return Frame{}, r.frameErr(shortRead(err, "frame header", n, frameHeaderSize))
	}
	size := binary.LittleEndian.Uint32(r.fh[0:])
	pts := binary.LittleEndian.Uint64(r.fh[4:])
	if size > MaxFrameSize {
		return Frame{}, r.frameErr(fmt.Errorf("%w: %d bytes (limit %d)", ErrFrameTooLarge, size, MaxFrameSize))
	}
	data, err := readN(r.r, int(size))
	if err != nil {
		return Frame{}, r.frameErr(shortRead(err, "frame payload", len(data), int(size)))
	}
	r.index++
	r.offset += frameHeaderSize + int64(size)
	return Frame{Data: data, PTS: pts}, nil
}

func (r *Reader) frameErr(err error) error {
	return fmt.Errorf("frame %d at offset %d: %w", r.index, r.offset, err)
}

// shortRead turns io.ReadFull's EOF errors into ErrTruncated and keeps any
// other read error as is.
func shortRead(err error, what string, got, want int) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %s: got %d of %d bytes", ErrTruncated, what, got, want)
	}
	return fmt.Errorf("ivf: reading %s: %w", what, err)
}

// readN reads exactly n bytes but grows its buffer only as data arrives, so
// a corrupt size field in a short file costs no more memory than the file.
func readN(r io.Reader, n int) ([]byte, error) {
	const chunk = 1 << 20
	if n <= chunk {
		buf := make([]byte, n)
		got, err := io.ReadFull(r, buf)
		return buf[:got], err
	}
	buf := make([]byte, 0, chunk)
	for len(buf) < n {
		step := min(n-len(buf), chunk)
		buf = append(buf, make([]byte, step)...)
		got, err := io.ReadFull(r, buf[len(buf)-step:])
		if err != nil {
			return buf[:len(buf)-step+got], err
		}
	}
	return buf, nil
}
