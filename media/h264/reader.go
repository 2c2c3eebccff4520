package h264

import (
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/internal/muldiv"
)

// MaxAccessUnitSize bounds a NAL unit and an access unit: far above any
// real picture, low enough that garbage cannot make the Reader hold
// gigabytes.
const MaxAccessUnitSize = 32 << 20

// maxGuessedRate is the highest frame rate believed from VUI timing that
// does not claim a fixed frame rate. Encoders fed variable-rate input write
// their timebase there instead (x264 from a 1/1000 timebase: 1000 fps).
const maxGuessedRate = 240

// Options configure a Reader.
type Options struct {
	// FPS is the frame rate. It replaces the SPS timing: a tick (one
	// field) lasts 1/(2*FPS) seconds, a frame two ticks unless picture
	// timing SEI says otherwise. Zero takes the timing from the SPS VUI.
	FPS Rational
}

// AccessUnit is one coded picture and the NAL units that go with it.
type AccessUnit struct {
	// Data is the unit in Annex-B form: each NAL unit behind a 4-byte
	// start code, with no trailing zero bytes, access unit delimiters or
	// filler data. It is freshly allocated and belongs to the caller.
	Data []byte
	// PTS is the unit's time in 90 kHz ticks from the first unit. It is
	// computed from the exact tick count, never by adding up rounded
	// durations.
	PTS uint64
	// Duration is the time to the next unit in 90 kHz ticks (PTS of the
	// next minus this one's).
	Duration uint32
	// Time is PTS as a duration, rounded from the exact time.
	Time time.Duration
	// Keyframe reports an IDR picture: decoding can start here.
	Keyframe bool
}

// Reader reads access units from an Annex-B byte stream. It is not safe
// for concurrent use.
type Reader struct {
	sc      scanner
	fps     Rational
	sps     [32]*SPS
	pps     [256]*pps
	scratch [maxSliceHeader]byte
	err     error // sticky: the stream cannot be followed past it

	// The unit being collected.
	cur       []byte
	curOff    int64 // offset of its first NAL unit
	curOpen   bool  // it has a NAL unit, kept or not
	curVCL    bool
	curKey    bool
	first     sliceHeader // first slice of its primary picture
	picTiming []byte      // its picture timing SEI payload, if any
	lastSize  int

	index int // units returned
	tl    timeline
}

// NewReader returns a Reader for the stream r. Nothing is read until Next.
func NewReader(r io.Reader, o Options) (*Reader, error) {
	if (o.FPS.Num == 0) != (o.FPS.Den == 0) {
		return nil, fmt.Errorf("%w: frame rate %d/%d", ErrBadOptions, o.FPS.Num, o.FPS.Den)
	}
	return &Reader{sc: scanner{r: r}, fps: o.FPS}, nil
}

// SPS returns the sequence parameter set of the last unit returned, or nil
// before the first.
func (r *Reader) SPS() *SPS {
	if r.index == 0 {
		return nil
	}
	return r.tl.sps
}

// Next returns the next access unit, io.EOF at the end of the stream, or an
// error wrapping one of the package's sentinels, with the unit's index and
// offset. After an error it returns the same error again.
func (r *Reader) Next() (AccessUnit, error) {
	if r.err != nil {
		return AccessUnit{}, r.err
	}
	au, err := r.next()
	if err != nil && !errors.Is(err, io.EOF) {
		r.err = err
	}
	return au, err
}

func (r *Reader) next() (AccessUnit, error) {
	for {
		nal, off, err := r.sc.next()
		if errors.Is(err, io.EOF) {
			if len(r.cur) == 0 && !r.curVCL {
				return AccessUnit{}, io.EOF // nothing, or only delimiters
			}
			if !r.curVCL {
				return AccessUnit{}, fmt.Errorf("%w: the stream ends with NAL units at offset %d but no picture after them",
					ErrTruncated, r.curOff)
			}
			return r.finish()
		}
		if err != nil {
			return AccessUnit{}, fmt.Errorf("access unit %d: %w", r.index, err) // err has the offset
		}
		typ := naluType(nal[0])
		if nal[0]&0x80 != 0 || typ == 0 || typ >= nalAggregation {
			return AccessUnit{}, r.wrap(fmt.Errorf("%w: header %#02x (forbidden bit set, or type %d, which RTP cannot carry)",
				ErrBadNAL, nal[0], typ), off)
		}
		var slice sliceHeader
		hasHeader := typ == nalSlice || typ == nalSliceA || typ == nalIDR
		if hasHeader {
			if slice, err = parseSliceHeader(nal, &r.sps, &r.pps, r.scratch[:]); err != nil {
				return AccessUnit{}, r.wrap(err, off)
			}
		}
		boundary := r.curVCL && (hasHeader && slice.newPicture(&r.first) || !vcl(typ) && startsAccessUnit(typ))
		var done AccessUnit
		if boundary {
			if done, err = r.finish(); err != nil {
				return AccessUnit{}, err
			}
		}
		if err := r.add(nal, typ, off, &slice, hasHeader); err != nil {
			err = r.wrap(err, off)
			if boundary {
				r.err = err // the unit before it is fine: hand it over first
				return done, nil
			}
			return AccessUnit{}, err
		}
		if boundary {
			return done, nil
		}
	}
}

// add puts one NAL unit into the unit being collected.
func (r *Reader) add(nal []byte, typ int, off int64, slice *sliceHeader, hasHeader bool) error {
	if !r.curOpen {
		r.curOff, r.curOpen = off, true
	}
	switch typ {
	case nalSPS:
		s, err := ParseSPS(nal)
		if err != nil {
			return err
		}
		r.sps[s.ID] = s
	case nalPPS:
		p, err := parsePPS(nal)
		if err != nil {
			return err
		}
		r.pps[p.id] = &p
	case nalSEI:
		if pt := findPicTiming(nal); pt != nil {
			r.picTiming = pt
		}
	}
	if hasHeader {
		if slice.bFrame() {
			return fmt.Errorf("%w: WebRTC sends frames in decoding order, without composition times; "+
				"re-encode without B-frames, e.g. %s", ErrBFrames, reencode)
		}
		if !r.curVCL && slice.redundantPicCnt == 0 {
			r.first, r.curVCL = *slice, true
		}
	}
	if IsKeyframeNAL(nal[0]) {
		r.curKey = true
	}
	if dropped(typ) {
		return nil
	}
	if len(r.cur)+len(startCode)+len(nal) > MaxAccessUnitSize {
		return fmt.Errorf("%w: access unit over %d bytes", ErrTooLarge, MaxAccessUnitSize)
	}
	if r.cur == nil {
		r.cur = make([]byte, 0, max(r.lastSize+r.lastSize/4, 1024))
	}
	r.cur = append(r.cur, startCode...)
	r.cur = append(r.cur, nal...)
	return nil
}

// finish times the collected unit and hands it over.
func (r *Reader) finish() (AccessUnit, error) {
	s := r.first.sps
	ticks := uint64(2)
	if r.first.field {
		ticks = 1
	}
	if s.PicStructPresent && r.picTiming != nil {
		if ps, ok := picStruct(r.picTiming, s); ok {
			ticks = deltaTfiDivisor[ps]
		}
	}
	num, den, err := r.tick(s)
	if err != nil {
		return AccessUnit{}, fmt.Errorf("access unit %d at offset %d: %w", r.index, r.curOff, err)
	}
	pts, dur, at := r.tl.advance(s, num, den, ticks)
	au := AccessUnit{Data: r.cur, PTS: pts, Duration: dur, Time: at, Keyframe: r.curKey}
	r.lastSize = len(r.cur)
	r.cur, r.curOpen, r.curVCL, r.curKey, r.picTiming = nil, false, false, false, nil
	r.index++
	return au, nil
}

// tick returns the length of a tick, num/den seconds.
func (r *Reader) tick(s *SPS) (num, den uint64, err error) {
	num, den, err = r.tickOf(s)
	// The longest unit (a tripled frame, 6 ticks) must fit AccessUnit's
	// Duration: a frame of more than 4 hours is no frame rate.
	if err == nil && muldiv.Round(6*90000, num, den) > math.MaxUint32 {
		return 0, 0, fmt.Errorf("%w: a tick of %d/%d s is longer than any frame rate", ErrNoFrameRate, num, den)
	}
	return num, den, err
}

func (r *Reader) tickOf(s *SPS) (num, den uint64, err error) {
	if r.fps.Num != 0 {
		return uint64(r.fps.Den), 2 * uint64(r.fps.Num), nil
	}
	if !s.TimingInfo {
		return 0, 0, fmt.Errorf("%w: the SPS has no timing information; give the frame rate", ErrNoFrameRate)
	}
	if !s.FixedFrameRate && uint64(s.TimeScale) > 2*maxGuessedRate*uint64(s.NumUnitsInTick) {
		rate, _ := s.FrameRate()
		return 0, 0, fmt.Errorf("%w: the SPS timing says %s fps without fixed_frame_rate_flag, which is a "+
			"variable-rate stream's timebase, not its frame rate; give the frame rate", ErrNoFrameRate, rate)
	}
	return uint64(s.NumUnitsInTick), uint64(s.TimeScale), nil
}

func (r *Reader) wrap(err error, off int64) error {
	return fmt.Errorf("access unit %d, NAL unit at offset %d: %w", r.index, off, err)
}

// timeline counts ticks. A tick length change (a new SPS with other timing)
// starts a new segment at the time reached, so each unit's time is one
// exact product from its segment's start.
type timeline struct {
	sps         *SPS
	num, den    uint64 // tick length of the segment, seconds
	base90      uint64 // segment start, 90 kHz
	baseNs      uint64
	ticks       uint64 // since the segment start
	next90      uint64
	nextNs      uint64
	initialized bool
}

func (t *timeline) advance(s *SPS, num, den, ticks uint64) (pts uint64, dur uint32, at time.Duration) {
	if !t.initialized || num != t.num || den != t.den {
		t.base90, t.baseNs, t.ticks = t.next90, t.nextNs, 0
		t.num, t.den, t.initialized = num, den, true
	}
	t.sps = s
	pts, ns := t.next90, t.nextNs
	t.ticks += ticks
	t.next90 = t.base90 + muldiv.Round(t.ticks, 90000*t.num, t.den)
	t.nextNs = t.baseNs + muldiv.Round(t.ticks, uint64(time.Second)*t.num, t.den)
	return pts, uint32(t.next90 - pts), time.Duration(min(ns, math.MaxInt64))
}
