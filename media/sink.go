package media

import (
	"errors"
	"fmt"
	"io"

	"github.com/webrtc-cli/webrtc-cli/media/h264"
	"github.com/webrtc-cli/webrtc-cli/media/ivf"
	"github.com/webrtc-cli/webrtc-cli/media/ogg"
)

// Frame is one received frame (video) or packet (Opus) for a Sink.
type Frame struct {
	Data []byte
	// Timestamp is the frame's time in the codec's clock, unwrapped (it
	// never wraps around), from any origin: sinks rebase it.
	Timestamp uint64
	Keyframe  bool
}

// Sink is where a track is written: Source's mirror. Frames come in order;
// Close finishes the container (sizes, durations, end-of-stream).
type Sink interface {
	WriteFrame(f Frame) error
	Close() error
}

// ErrSkipped is a frame the sink would not write (an invalid Opus packet,
// a video frame before the first keyframe); the sink goes on.
var ErrSkipped = errors.New("media: frame skipped")

// OpusPreSkip is written into recorded Opus files. The sender's real value
// is not in the RTP stream; 312 is libopus's at 48 kHz, and libopus is
// behind nearly every WebRTC sender, so decoded samples line up with the
// source.
const OpusPreSkip = 312

// NewSink writes one track of codec c to w in the codec's own container
// (c.Format(): IVF, Ogg or H264 Annex-B). channels is Opus's channel
// count. Close finishes the container but does not close w; when w can
// seek, the IVF header gets the real duration.
func NewSink(w io.Writer, c *Codec, channels int) (Sink, error) {
	switch c.Format() {
	case FormatIVF:
		return &ivfSink{w: ivf.NewWriter(w, c.FourCC)}, nil
	case FormatH264:
		return &h264Sink{w: h264.NewWriter(w)}, nil
	case FormatOgg:
		ow, err := ogg.NewWriter(w, uint8(min(max(channels, 1), 2)), OpusPreSkip)
		if err != nil {
			return nil, err
		}
		return &oggSink{w: ow}, nil
	}
	return nil, fmt.Errorf("%w: %v to %s", ErrCannotWrite, c, c.Format())
}

// ivfSink puts the first frame at time 0.
type ivfSink struct {
	w     *ivf.Writer
	base  uint64
	begun bool
}

func (s *ivfSink) WriteFrame(f Frame) error {
	if !s.begun {
		s.base, s.begun = f.Timestamp, true
	}
	// A timestamp before the first frame's (a sender that jumped back)
	// is written at the start rather than wrapped into the far future.
	return s.w.WriteFrame(f.Data, f.Timestamp-min(s.base, f.Timestamp))
}

func (s *ivfSink) Close() error { return s.w.Close() }

// h264Sink writes Annex-B. A raw .h264 file has no timestamps: players use
// the SPS timing.
type h264Sink struct{ w *h264.Writer }

func (s *h264Sink) WriteFrame(f Frame) error { return s.w.WriteAccessUnit(f.Data) }
func (s *h264Sink) Close() error             { return nil }

// oggSink places each packet on the sample timeline from its timestamp,
// so gaps (DTX, loss) stay gaps.
type oggSink struct {
	w     *ogg.Writer
	base  uint64
	end   uint64
	begun bool
}

func (s *oggSink) WriteFrame(f Frame) error {
	dur, err := ogg.PacketDuration(f.Data)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSkipped, err)
	}
	if !s.begun {
		s.base, s.begun = f.Timestamp, true
	}
	// A sender whose timestamps overlap its own packets would make the
	// granule positions go backwards: keep the timeline monotonic.
	start := max(f.Timestamp-min(s.base, f.Timestamp), s.end)
	if err := s.w.WritePacket(f.Data, start); err != nil {
		return err
	}
	s.end = start + uint64(dur)
	return nil
}

func (s *oggSink) Close() error { return s.w.Close() }
