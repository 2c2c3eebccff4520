package mkv

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/at-wat/ebml-go/webm"

	"github.com/webrtc-cli/webrtc-cli/media/vp8"
	"github.com/webrtc-cli/webrtc-cli/media/vp9"
)

// TrackSpec describes one track.
type TrackSpec struct {
	// CodecID is the Matroska codec ID: V_VP8, V_VP9, V_AV1,
	// V_MPEG4/ISO/AVC (Matroska only) or A_OPUS.
	CodecID string
	// Width and Height are the picture size, or 0 to take it from the
	// first keyframe.
	Width, Height int
	// Channels is the Opus channel count; 0 means 2 (WebRTC's rtpmap) or
	// what CodecPrivate says.
	Channels int
	// SampleRate is 0 or 48000: Matroska stores Opus at 48 kHz whatever
	// the input rate.
	SampleRate int
	// CodecPrivate is stored as the track's CodecPrivate. For opus it is
	// an OpusHead; nil builds one (version 1, mapping family 0, pre-skip
	// 312). For H264 it is an avcC with 4-byte NAL lengths; nil builds one
	// from the SPS and PPS of the first keyframe. For AV1 it is an av1C;
	// nil builds one from the first keyframe's sequence header. VP8 and
	// VP9 need none.
	CodecPrivate []byte
}

// The codec IDs this package writes.
const (
	idVP8  = "V_VP8"
	idVP9  = "V_VP9"
	idAV1  = "V_AV1"
	idH264 = "V_MPEG4/ISO/AVC"
	idOpus = "A_OPUS"
)

// codec is what the package knows about a codec.
type codec struct {
	id    string // Matroska CodecID
	video bool
	webm  bool // allowed in WebM
}

var codecs = map[string]codec{
	idVP8:  {id: idVP8, video: true, webm: true},
	idVP9:  {id: idVP9, video: true, webm: true},
	idAV1:  {id: idAV1, video: true, webm: true},
	idH264: {id: idH264, video: true},
	idOpus: {id: idOpus, webm: true},
}

// track is a TrackSpec being written.
type track struct {
	codec codec
	entry webm.TrackEntry

	started  bool          // a frame was accepted
	last     time.Duration // pts of the latest accepted frame
	interval time.Duration // between the last two, to guess the last frame's length

	written bool          // a block was written
	lastRel time.Duration // time of the latest block in the file
	lastDur time.Duration // its length if the codec says
}

// note records the pts of an accepted frame.
func (t *track) note(pts time.Duration) {
	if t.started {
		t.interval = pts - t.last
	}
	t.started, t.last = true, pts
}

// wrote records a block written at rel with length dur (0 if unknown).
func (t *track) wrote(rel, dur time.Duration) {
	t.written, t.lastRel, t.lastDur = true, rel, dur
}

// end is where the track's last frame ends in the file. A video frame
// lasts until the next; for the last one, guess the previous interval,
// but not more than a second, which would be a pause rather than a frame.
func (t *track) end() time.Duration {
	d := t.lastDur
	if t.codec.video {
		d = min(t.interval, time.Second)
	}
	return t.lastRel + d
}

// sizeFrom fills in the picture size from the starting keyframe unless
// the TrackSpec gave one.
func (t *track) sizeFrom(width, height int, ok bool) {
	v := t.entry.Video
	if ok && v.PixelWidth == 0 && v.PixelHeight == 0 {
		v.PixelWidth, v.PixelHeight = uint64(width), uint64(height)
	}
}

// vpxSize reads the picture size from a VP8 or VP9 keyframe.
func vpxSize(id string, frame []byte) (width, height int, ok bool) {
	if id == idVP9 {
		return vp9.FrameSize(frame)
	}
	return vp8.FrameSize(frame)
}

// newTrack checks spec and fills in as much of the TrackEntry as is known
// before the first keyframe.
func newTrack(i int, spec TrackSpec, isWebM bool) (*track, error) {
	c, ok := codecs[spec.CodecID]
	if !ok {
		return nil, fmt.Errorf("%w: track %d: unknown codec %q", ErrBadTrack, i, spec.CodecID)
	}
	if isWebM && !c.webm {
		return nil, fmt.Errorf("%w: track %d: %s (use Matroska)", ErrCodecNotAllowed, i, spec.CodecID)
	}
	t := &track{codec: c, entry: webm.TrackEntry{
		TrackNumber: uint64(i + 1),
		TrackUID:    rand.Uint64() | 1, // any nonzero value unique in the file
		CodecID:     c.id,
	}}
	if c.video {
		if spec.Width < 0 || spec.Height < 0 || spec.Width > 1<<16 || spec.Height > 1<<16 {
			return nil, fmt.Errorf("%w: track %d: size %dx%d", ErrBadTrack, i, spec.Width, spec.Height)
		}
		if c.id == idH264 && spec.CodecPrivate != nil && (len(spec.CodecPrivate) < 7 || spec.CodecPrivate[4]&3 != 3) {
			// Blocks get 4-byte lengths; a decoder reads the size from avcC.
			return nil, fmt.Errorf("%w: track %d: CodecPrivate is not an avcC with 4-byte NAL lengths", ErrBadTrack, i)
		}
		t.entry.TrackType = 1 // video
		t.entry.Video = &webm.Video{PixelWidth: uint64(spec.Width), PixelHeight: uint64(spec.Height)}
		t.entry.CodecPrivate = spec.CodecPrivate
		return t, nil
	}
	head, channels, preSkip, err := opusHead(spec)
	if err != nil {
		return nil, fmt.Errorf("track %d: %w", i, err)
	}
	t.entry.TrackType = 2 // audio
	t.entry.Audio = &webm.Audio{SamplingFrequency: opusRate, Channels: uint64(channels)}
	t.entry.CodecPrivate = head
	// Blocks carry the caller's pts and players subtract CodecDelay, so
	// ffprobe shows the first packet at -6.5 ms: the same timeline ffmpeg
	// gives Ogg Opus, and the one its own remux of Ogg to Matroska writes.
	t.entry.CodecDelay = uint64(preSkip) * uint64(time.Second) / opusRate
	t.entry.SeekPreRoll = opusSeekPreRoll
	return t, nil
}
