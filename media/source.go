// Package media reads media files as timed samples for sending. Its
// subpackages do the rest of the media path: ivf and ogg read and write the
// containers, pace waits for each sample's time, rtpio turns samples into
// RTP packets and back.
package media

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/h264"
	"github.com/webrtc-cli/webrtc-cli/media/ivf"
	"github.com/webrtc-cli/webrtc-cli/media/ogg"
)

// Track describes the stream of a file.
type Track struct {
	Codec    *Codec
	Channels uint16 // Opus only
	Width    int    // video, from the first keyframe when known
	Height   int
	// Fmtp is the SDP fmtp the stream needs (H264: from its SPS), or ""
	// for the codec's defaults.
	Fmtp string
}

// Video reports whether t is a video track.
func (t Track) Video() bool { return t.Codec.Video() }

// Sample is one frame (video) or packet (Opus) with its exact time.
type Sample struct {
	Data []byte
	// Ticks is the sample's time in ClockRate units from the file's first
	// sample, computed from the file's own timestamp (never by adding up
	// rounded intervals).
	Ticks uint64
	// Offset is the same time as a duration: when to send it.
	Offset time.Duration
	// Duration is how long the sample lasts in ClockRate units when the
	// file says (Opus, H264), else 0.
	Duration uint32
	// Keyframe reports that a decoder can start here (always, for Opus).
	Keyframe bool
}

// Source yields the samples of a file in order.
type Source interface {
	Track() Track
	// Next returns the next sample, io.EOF at the end, or an error naming
	// what is wrong with the file.
	Next() (Sample, error)
	Close() error
}

// Open opens an IVF (VP8, VP9, AV1), Ogg Opus or H264 Annex-B file.
func Open(path string) (Source, error) {
	return OpenWith(path, h264.Rational{})
}

// OpenWith is Open with the frame rate of an H264 stream whose SPS has no
// timing (zero: use the SPS).
func OpenWith(path string, fps h264.Rational) (Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s is a directory: give a media file (IVF, Ogg Opus or H264 Annex-B)", path)
	}
	src, err := NewSourceWith(f, fps)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return src, nil
}

// NewSource reads from r, telling IVF, Ogg and Annex-B apart by their
// first bytes. It closes r when closed, if r is an io.Closer.
func NewSource(r io.Reader) (Source, error) { return NewSourceWith(r, h264.Rational{}) }

// NewSourceWith is NewSource with an H264 frame rate (see OpenWith).
func NewSourceWith(r io.Reader, fps h264.Rational) (Source, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, err := br.Peek(4)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnknownFormat, err)
	}
	closer, _ := r.(io.Closer)
	switch string(magic) {
	case "DKIF":
		return newIVFSource(br, closer)
	case "OggS":
		return newOggSource(br, closer)
	}
	if isAnnexB(magic) {
		return newH264Source(br, closer, fps)
	}
	return nil, fmt.Errorf("%w (starts with %q)", ErrUnknownFormat, magic)
}

type ivfSource struct {
	r      *ivf.Reader
	c      io.Closer
	h      ivf.Header
	track  Track
	first  uint64
	peeked *ivf.Frame
	n      int
}

func newIVFSource(r io.Reader, c io.Closer) (*ivfSource, error) {
	ir, err := ivf.NewReader(r)
	if err != nil {
		return nil, err
	}
	h := ir.Header()
	codec, err := CodecByFourCC(h.FourCC)
	if err != nil {
		return nil, err
	}
	s := &ivfSource{r: ir, c: c, h: h, track: Track{Codec: codec, Width: int(h.Width), Height: int(h.Height)}}
	// The first frame fixes the time origin and, as a keyframe, the size.
	f, err := ir.Next()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("IVF file has no frames")
		}
		return nil, err
	}
	s.first, s.peeked = f.PTS, &f
	if w, hh, ok := ivf.FrameSize(h.FourCC, f.Data); ok {
		s.track.Width, s.track.Height = w, hh
	}
	return s, nil
}

func (s *ivfSource) Track() Track { return s.track }

func (s *ivfSource) Next() (Sample, error) {
	var f ivf.Frame
	if s.peeked != nil {
		f, s.peeked = *s.peeked, nil
	} else {
		var err error
		if f, err = s.r.Next(); err != nil {
			if errors.Is(err, io.EOF) {
				return Sample{}, io.EOF
			}
			return Sample{}, err // it names the frame and its offset
		}
	}
	s.n++
	if f.PTS < s.first {
		return Sample{}, fmt.Errorf("frame %d: PTS %d before the first frame's %d", s.n-1, f.PTS, s.first)
	}
	rel := f.PTS - s.first
	return Sample{Data: f.Data, Ticks: s.h.Ticks(rel, 90000), Offset: s.h.Duration(rel), Keyframe: s.track.Codec.Keyframe(f.Data)}, nil
}

func (s *ivfSource) Close() error { return closeIf(s.c) }

type oggSource struct {
	r     *ogg.Reader
	c     io.Closer
	track Track
	n     int
}

func newOggSource(r io.Reader, c io.Closer) (*oggSource, error) {
	or, err := ogg.NewReader(r)
	if err != nil {
		return nil, err
	}
	return &oggSource{r: or, c: c, track: Track{Codec: Opus, Channels: or.Head().Channels}}, nil
}

func (s *oggSource) Track() Track { return s.track }

func (s *oggSource) Next() (Sample, error) {
	p, err := s.r.Next()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return Sample{}, io.EOF
		}
		return Sample{}, fmt.Errorf("packet %d: %w", s.n, err)
	}
	s.n++
	return Sample{Data: p.Data, Ticks: p.Start, Offset: time.Duration(p.Start) * time.Second / 48000, Duration: p.Duration, Keyframe: true}, nil
}

func (s *oggSource) Close() error { return closeIf(s.c) }

func closeIf(c io.Closer) error {
	if c == nil {
		return nil
	}
	return c.Close()
}
