package media

import (
	"errors"
	"io"
	"time"
)

// Loop plays the source that open returns over and over, with continuous
// timestamps: each pass starts where the previous one ended. It never
// returns io.EOF; a failure to reopen, or a pass without samples, is
// returned as the error.
func Loop(open func() (Source, error)) (Source, error) {
	src, err := open()
	if err != nil {
		return nil, err
	}
	return &loop{open: open, src: src, track: src.Track()}, nil
}

// defaultFrameTicks is the length given to the last frame of a pass when
// the file says nothing about it (an IVF with one frame): 1/30 s.
func defaultFrameTicks(c *Codec) uint64 { return uint64(c.ClockRate) / 30 }

type loop struct {
	open  func() (Source, error)
	src   Source
	track Track

	offset uint64 // ticks before this pass
	end    uint64 // where this pass ends so far, in its own ticks
	prev   uint64 // ticks of the previous sample of this pass
	n      int    // samples in this pass
}

func (l *loop) Track() Track { return l.track }

func (l *loop) Next() (Sample, error) {
	if l.src == nil {
		return Sample{}, errLoopClosed
	}
	s, err := l.src.Next()
	if errors.Is(err, io.EOF) {
		if l.n == 0 {
			return Sample{}, errors.New("loop: the input has no samples")
		}
		l.src.Close()
		l.src = nil
		next, oerr := l.open()
		if oerr != nil {
			return Sample{}, oerr
		}
		l.src = next
		l.offset += l.end
		l.end, l.prev, l.n = 0, 0, 0
		s, err = l.src.Next()
	}
	if err != nil {
		return Sample{}, err
	}
	// Where the pass ends: the last sample's end when the file says
	// (Opus, H264), else one more frame interval after the last frame,
	// and never zero, so that a one-frame file is paced too.
	step := uint64(s.Duration)
	if step == 0 {
		step = s.Ticks - l.prev
	}
	if step == 0 {
		step = defaultFrameTicks(l.track.Codec)
	}
	l.end = max(l.end, s.Ticks+step)
	l.prev = s.Ticks
	l.n++
	if l.offset > 0 {
		s.Ticks += l.offset
		s.Offset = ticksToDuration(s.Ticks, l.track.Codec.ClockRate)
	}
	return s, nil
}

func (l *loop) Close() error {
	if l.src == nil {
		return nil
	}
	err := l.src.Close()
	l.src = nil
	return err
}

var errLoopClosed = errors.New("loop: closed, or its input could not be reopened")

// ticksToDuration converts without overflow for any stream length.
func ticksToDuration(ticks uint64, clock uint32) time.Duration {
	c := uint64(clock)
	return time.Duration(ticks/c)*time.Second + time.Duration(ticks%c*uint64(time.Second)/c)
}
