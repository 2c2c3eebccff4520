package ogg

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
)

const (
	// A page is closed once it holds this many packets or samples, so a
	// crash loses little and seeking stays cheap.
	pagePackets = 10
	pageSamples = 9600 // 200 ms at 48 kHz
	// maxWritePacket is the largest packet whose lacing fits one page:
	// 254 segments of 255 bytes and a final one of up to 254. Every valid
	// Opus packet (at most 61440 bytes for 120 ms) fits.
	maxWritePacket = 254*255 + 254
	// maxFill is the longest gap filled with concealment packets: 10 min.
	maxFill = 10 * 60 * 48000
)

// Writer writes an Ogg Opus stream whose timeline comes from the packet
// start times the caller gives, not from adding up TOC durations: each
// page's granule is preSkip + start + duration of its last packet, and a
// silence gap keeps its length (see WritePacket). The first packet thus
// starts at granule preSkip, so players report a start time of
// preSkip/48000 s and every decoded sample sits at its RTP time.
type Writer struct {
	w       io.Writer
	serial  uint32
	seq     uint32
	preSkip uint16
	stereo  byte  // TOC stereo flag matching the channel count
	err     error // sticky: the first write failure, or ErrClosed

	// The page being filled. It is written when the next packet does not
	// belong on it, or by Close with the EOS flag, so the last page is
	// always marked EOS without an extra empty page.
	lacing   []byte
	body     []byte
	nPackets int
	samples  uint32

	started bool
	end     uint64 // caller's start + duration of the last packet
	lastTOC byte   // of the last packet, for gap fillers
	buf     []byte // encoded page, reused
}

// NewWriter writes the OpusHead (mapping family 0, so 1 or 2 channels) and
// OpusTags pages. preSkip is the number of samples decoders drop at the
// start (312 for libopus at 48 kHz; 0 if unknown, as for a stream received
// mid-call).
func NewWriter(w io.Writer, channels uint8, preSkip uint16) (*Writer, error) {
	if channels != 1 && channels != 2 {
		return nil, fmt.Errorf("%w: %d channels (1 or 2 supported)", ErrBadArgument, channels)
	}
	wr := &Writer{w: w, serial: rand.Uint32(), preSkip: preSkip}
	if channels == 2 {
		wr.stereo = 0x04
	}
	head := marshalHead(channels, preSkip)
	if err := wr.writePage(flagBOS, 0, appendLacing(nil, len(head)), head); err != nil {
		return nil, err
	}
	tags := marshalTags()
	if err := wr.writePage(0, 0, appendLacing(nil, len(tags)), tags); err != nil {
		return nil, err
	}
	return wr, nil
}

// WritePacket appends one Opus packet. start is where it begins in 48 kHz
// samples relative to the first packet (from RTP timestamps); it must not
// be earlier than the end of the previous packet. data is copied.
//
// A later start is a gap (DTX, loss). RFC 7845 4 forbids granule
// positions that jump over a gap, and ffmpeg ignores such jumps (it dates
// packets by adding up durations, so the audio after the gap plays early),
// so the gap is filled with packets that carry only zero-length frames,
// which decoders conceal (RFC 7845 4.1). Gaps that are not a multiple of
// 2.5 ms keep their remainder as a granule jump, and so do gaps over
// maxFill, which are more likely a timestamp discontinuity than silence.
func (w *Writer) WritePacket(data []byte, start uint64) error {
	if w.err != nil {
		return w.err
	}
	dur, err := PacketDuration(data)
	if err != nil {
		return err
	}
	if len(data) > maxWritePacket {
		return fmt.Errorf("%w: %d bytes", ErrPacketTooLarge, len(data))
	}
	if start > math.MaxInt64/2 { // granules are signed 64-bit
		return fmt.Errorf("%w: start %d out of range", ErrBadArgument, start)
	}
	if w.started && start < w.end {
		return fmt.Errorf("%w: packet at %d starts before the previous one ends at %d", ErrNonMonotonic, start, w.end)
	}
	if w.started && start > w.end && start-w.end <= maxFill {
		if err := w.fillGap(start); err != nil {
			return err
		}
	}
	return w.add(data, start, dur)
}

// add puts a packet on the pending page, first writing that page out if
// the packet does not belong on it. Within a page packets must be
// contiguous: the page's granule only says where its last packet ends, and
// readers place the others backwards from it.
func (w *Writer) add(data []byte, start uint64, dur uint32) error {
	if w.nPackets > 0 && (start != w.end || w.nPackets >= pagePackets ||
		w.samples >= pageSamples || len(w.lacing)+len(data)/255+1 > maxSegments) {
		if err := w.flush(0); err != nil {
			return err
		}
	}
	w.lacing = appendLacing(w.lacing, len(data))
	w.body = append(w.body, data...)
	w.nPackets++
	w.samples += dur
	w.started = true
	w.end = start + uint64(dur)
	w.lastTOC = data[0]
	return nil
}

// Close writes the pending page with the end-of-stream flag. It does not
// close the destination.
//
// A stream without audio packets cannot be opened by ffmpeg ("End of
// file"), so a Writer that never got a packet writes one 20 ms packet of a
// zero-length frame, which decodes to silence.
func (w *Writer) Close() error {
	if w.err == ErrClosed {
		return nil
	}
	defer func() { w.err = ErrClosed }()
	if w.err != nil {
		return w.err
	}
	if w.nPackets == 0 {
		silence := []byte{31<<3 | w.stereo} // CELT FB 20 ms, code 0, no frame data
		if err := w.add(silence, 0, 960); err != nil {
			return err
		}
	}
	return w.flush(flagEOS)
}

func (w *Writer) flush(flags byte) error {
	granule := int64(w.preSkip) + int64(w.end)
	if err := w.writePage(flags, granule, w.lacing, w.body); err != nil {
		return err
	}
	w.lacing, w.body = w.lacing[:0], w.body[:0]
	w.nPackets, w.samples = 0, 0
	return nil
}

// writePage hands a whole page to w in one Write, so it is on its way to
// the disk before we return.
func (w *Writer) writePage(flags byte, granule int64, lacing, body []byte) error {
	w.buf = appendPage(w.buf[:0], flags, granule, w.serial, w.seq, lacing, body)
	if _, err := w.w.Write(w.buf); err != nil {
		w.err = fmt.Errorf("%w: page %d: %w", ErrWrite, w.seq, err)
		return w.err
	}
	w.seq++
	return nil
}
