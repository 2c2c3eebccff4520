package ivf

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/webrtc-cli/webrtc-cli/media/internal/muldiv"
)

// WriterClockRate is the timebase denominator Writer uses: the RTP video
// clock, so RTP timestamps are stored without any rounding.
const WriterClockRate = 90000

// Writer writes an IVF stream with a 1/90000 timebase.
//
// For AV1 each frame must be one temporal unit; callers should start each
// with a temporal delimiter OBU (0x12 0x00): the AV1 RTP payload format
// drops them in transit, and decoders reading IVF expect them. Writer
// itself does not look.
type Writer struct {
	dst    io.Writer
	bw     *bufio.Writer
	fourcc string
	err    error // sticky: the first failure, or ErrClosed

	header  Header
	started bool // header written
	frames  uint64
	first   uint64 // PTS of the first frame
	last    uint64 // PTS of the latest frame
	written int64  // bytes handed to bw, to find the header on Close
	fh      [frameHeaderSize]byte
}

// NewWriter returns a Writer for the codec named by fourcc ("VP80", "VP90",
// "AV01"). Nothing is written until the first frame, whose FrameSize fills
// in the header's dimensions, so callers should start with a keyframe. A bad
// fourcc is reported by the first WriteFrame.
func NewWriter(w io.Writer, fourcc string) *Writer {
	wr := &Writer{dst: w, bw: bufio.NewWriter(w), fourcc: fourcc}
	if len(fourcc) != 4 {
		wr.err = fmt.Errorf("%w: %q", ErrBadFourCC, fourcc)
	}
	wr.header = Header{FourCC: fourcc, TimebaseNum: 1, TimebaseDen: WriterClockRate}
	return wr
}

// WriteFrame appends one frame. pts is in 90 kHz ticks from any origin and
// must not decrease. The frame reaches w before WriteFrame returns, so a
// crash loses at most the frame being written.
func (w *Writer) WriteFrame(data []byte, pts uint64) error {
	if w.err != nil {
		return w.err
	}
	if len(data) > MaxFrameSize {
		return fmt.Errorf("%w: %d bytes (limit %d)", ErrFrameTooLarge, len(data), MaxFrameSize)
	}
	if w.frames > 0 && pts < w.last {
		return fmt.Errorf("%w: %d after %d", ErrNonMonotonic, pts, w.last)
	}
	if w.header.Width == 0 {
		if fw, fh, ok := FrameSize(w.fourcc, data); ok && fw <= math.MaxUint16 && fh <= math.MaxUint16 {
			w.header.Width, w.header.Height = uint16(fw), uint16(fh)
		}
	}
	if !w.started {
		if err := w.writeHeader(); err != nil {
			return err
		}
		w.first = pts
	}
	binary.LittleEndian.PutUint32(w.fh[0:], uint32(len(data)))
	binary.LittleEndian.PutUint64(w.fh[4:], pts)
	if _, err := w.bw.Write(w.fh[:]); err != nil {
		return w.fail(err)
	}
	if _, err := w.bw.Write(data); err != nil {
		return w.fail(err)
	}
	if err := w.bw.Flush(); err != nil {
		return w.fail(err)
	}
	w.written += frameHeaderSize + int64(len(data))
	w.frames++
	w.last = pts
	return nil
}

// writeHeader writes the header with Length 0, which ffprobe reads as
// "duration unknown" (ffmpeg's own placeholder, 0xFFFFFFFF, reads as 13
// hours at 1/90000) in case Close never gets to rewrite it.
func (w *Writer) writeHeader() error {
	var b [fileHeaderSize]byte
	w.header.marshal(b[:])
	if _, err := w.bw.Write(b[:]); err != nil {
		return w.fail(err)
	}
	w.started = true
	w.written += fileHeaderSize
	return nil
}

// Close flushes and, if the destination can seek, rewrites the header with
// the final dimensions and Length. It does not close the destination, which
// must not be a file opened with O_APPEND (the rewrite would append).
func (w *Writer) Close() error {
	if w.err == ErrClosed {
		return nil
	}
	defer func() { w.err = ErrClosed }()
	if w.err != nil {
		return w.err
	}
	if !w.started {
		if err := w.writeHeader(); err != nil {
			return err
		}
	}
	if err := w.bw.Flush(); err != nil {
		return w.fail(err)
	}
	w.header.Length = w.length()
	ws, ok := w.dst.(io.WriteSeeker)
	if !ok {
		return nil
	}
	end, err := ws.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil // a pipe: nothing to rewrite, and nothing is lost
	}
	return w.rewriteHeader(ws, end)
}

func (w *Writer) rewriteHeader(ws io.WriteSeeker, end int64) error {
	var b [fileHeaderSize]byte
	w.header.marshal(b[:])
	if _, err := ws.Seek(end-w.written, io.SeekStart); err != nil {
		return w.fail(err)
	}
	if _, err := ws.Write(b[:]); err != nil {
		return w.fail(err)
	}
	if _, err := ws.Seek(end, io.SeekStart); err != nil {
		return w.fail(err)
	}
	return nil
}

// length is the value for header bytes 24-27. ffmpeg and ffprobe read that
// field as the stream duration in timebase units, so a frame count there
// (libvpx's reading) would make a 1/90000 recording look 3000 times too
// short at 30 fps. We write what ffmpeg's own IVF muxer writes:
// frames * (last-first) / (frames-1), the span of PTS plus one average frame
// interval, which is the true duration of a constant-rate recording and
// within one frame of it otherwise (we round where ffmpeg truncates).
// 0 means unknown (fewer than two frames);
// durations over 13.2 hours saturate at 0xFFFFFFFF.
func (w *Writer) length() uint32 {
	if w.frames < 2 {
		return 0
	}
	d := muldiv.Round(w.frames, w.last-w.first, w.frames-1)
	return uint32(min(d, math.MaxUint32))
}

func (w *Writer) fail(err error) error {
	w.err = fmt.Errorf("%w: %w", ErrWrite, err)
	return w.err
}
