package mp4

import (
	"fmt"
	"time"

	"github.com/Eyevinn/mp4ff/mp4"

	"github.com/webrtc-cli/webrtc-cli/media/internal/muldiv"
)

// TrackSpec describes one track.
type TrackSpec struct {
	// Codec is the codec's SDP name, as media.Codec.Name has it:
	// CodecH264, CodecAV1, CodecVP9 or CodecOpus. CodecVP8 is refused
	// with ErrCodecNotAllowed.
	Codec string
	// Width and Height are the picture size, or 0 to take it from the
	// first keyframe.
	Width, Height int
	// Channels is the Opus channel count, 1 or 2; 0 means 2, as WebRTC's
	// opus/48000/2 rtpmap says.
	Channels int
}

// The codec names TrackSpec takes.
const (
	CodecH264 = "H264"
	CodecAV1  = "AV1"
	CodecVP9  = "VP9"
	CodecOpus = "opus"
	// CodecVP8 is named only to be refused: MP4 can carry it (vp08) but
	// browsers and most players do not play it from MP4.
	CodecVP8 = "VP8"
)

// Media timescales: video in RTP's 90 kHz clock, Opus at 48 kHz, as
// Opus-in-ISOBMFF requires. The movie timescale (mvhd, tkhd, elst) is
// 90 kHz too, so edit lists place a track to 11 µs.
const (
	videoTimescale = 90000
	opusRate       = 48000
	movieTimescale = 90000
)

// track is a TrackSpec being written.
type track struct {
	id        uint32 // track_ID, from 1
	codec     string
	video     bool
	timescale uint32
	width     int
	height    int
	entry     mp4.Box // sample entry; nil for video until the first keyframe

	started  bool          // a frame was accepted
	last     time.Duration // pts of the latest accepted frame
	interval uint64        // ticks between the last two samples written

	open openSample // the latest sample, waiting for its duration
	frag trackFrag  // the samples of the fragment being built
	tab  *table     // everything Close needs; nil if it will not finalize
}

// note records the pts of an accepted frame.
func (t *track) note(pts time.Duration) {
	t.started, t.last = true, pts
}

// newTrack checks spec and fills in what is known before the first
// keyframe.
func newTrack(i int, spec TrackSpec) (*track, error) {
	t := &track{id: uint32(i + 1), codec: spec.Codec}
	switch spec.Codec {
	case CodecH264, CodecAV1, CodecVP9:
		if spec.Width < 0 || spec.Height < 0 || spec.Width > 1<<16-1 || spec.Height > 1<<16-1 {
			return nil, fmt.Errorf("%w: track %d: size %dx%d", ErrBadTrack, i, spec.Width, spec.Height)
		}
		t.video, t.timescale = true, videoTimescale
		t.width, t.height = spec.Width, spec.Height
		return t, nil
	case CodecOpus:
		channels := spec.Channels
		if channels == 0 {
			channels = 2
		}
		if channels < 1 || channels > 2 {
			return nil, fmt.Errorf("%w: track %d: %d opus channels (1 or 2)", ErrBadTrack, i, spec.Channels)
		}
		t.timescale = opusRate
		t.entry = opusEntry(channels)
		return t, nil
	case CodecVP8:
		return nil, fmt.Errorf("%w: track %d: VP8 is not allowed in MP4 by common players; use --format webm or mkv",
			ErrCodecNotAllowed, i)
	}
	return nil, fmt.Errorf("%w: track %d: unknown codec %q", ErrBadTrack, i, spec.Codec)
}

// sizeFrom fills in the picture size from the starting keyframe unless
// the TrackSpec gave one.
func (t *track) sizeFrom(width, height int) {
	if t.width == 0 && t.height == 0 {
		t.width, t.height = width, height
	}
}

// ticks converts a time on the file's timeline to the track's timescale.
func (t *track) ticks(rel time.Duration) uint64 {
	return muldiv.Round(uint64(rel), uint64(t.timescale), uint64(time.Second))
}
