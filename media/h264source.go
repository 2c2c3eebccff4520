package media

import (
	"errors"
	"fmt"
	"io"

	"github.com/webrtc-cli/webrtc-cli/media/h264"
)

// isAnnexB reports whether the first bytes of a file are an H.264 Annex-B
// start code (00 00 00 01 or 00 00 01), as raw .h264 files begin.
func isAnnexB(magic []byte) bool {
	return len(magic) >= 4 && magic[0] == 0 && magic[1] == 0 &&
		(magic[2] == 1 || magic[2] == 0 && magic[3] == 1)
}

// h264Source reads an Annex-B H.264 stream, one access unit per sample.
type h264Source struct {
	r      *h264.Reader
	c      io.Closer
	track  Track
	peeked *h264.AccessUnit
}

// newH264Source reads the first access unit, whose SPS gives the size and
// the SDP parameters. fps is the frame rate, or zero for the SPS timing.
func newH264Source(r io.Reader, c io.Closer, fps h264.Rational) (*h264Source, error) {
	hr, err := h264.NewReader(r, h264.Options{FPS: fps})
	if err != nil {
		return nil, err
	}
	au, err := hr.Next()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("H264 file has no frames")
		}
		return nil, err
	}
	sps := hr.SPS()
	return &h264Source{
		r:      hr,
		c:      c,
		track:  Track{Codec: H264, Width: sps.Width, Height: sps.Height, Fmtp: h264.Fmtp(sps)},
		peeked: &au,
	}, nil
}

func (s *h264Source) Track() Track { return s.track }

func (s *h264Source) Next() (Sample, error) {
	var au h264.AccessUnit
	if s.peeked != nil {
		au, s.peeked = *s.peeked, nil
	} else {
		var err error
		if au, err = s.r.Next(); err != nil {
			if errors.Is(err, io.EOF) {
				return Sample{}, io.EOF
			}
			return Sample{}, err // names the access unit and offset
		}
	}
	return Sample{Data: au.Data, Ticks: au.PTS, Offset: au.Time, Duration: au.Duration, Keyframe: au.Keyframe}, nil
}

func (s *h264Source) Close() error { return closeIf(s.c) }
