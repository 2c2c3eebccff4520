// Package synth makes media that needs no encoder and no file: VP8 video
// of any bitrate and silent Opus, endless, for load tests. The video is
// two real frames (made by gen.sh) repeated, each padded to the size the
// bitrate asks for: decoders read a VP8 frame's partitions and ignore what
// follows, so every frame is valid and costs the sender only a copy.
package synth

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media"
)

var (
	//go:embed key.vp8
	keyFrame []byte
	//go:embed inter.vp8
	interFrame []byte
)

// Width and Height are the synthetic video's picture size.
const Width, Height = 320, 240

// Config is what synthetic video looks like.
type Config struct {
	Bitrate     int           // bits per second of video; at least the bare frames' (~25 kbit/s)
	FPS         int           // default 30
	KeyInterval time.Duration // a keyframe this often; default 2 s
}

// MarkSize is the bytes at the end of every video frame that make it
// unique: the source's random id and the frame's number.
const MarkSize = 16

var errBitrate = errors.New("synthetic video: the bitrate must be positive")

// NewVideo returns an endless VP8 source. Each Sample's Data is reused by
// the next call to Next.
func NewVideo(cfg Config) (media.Source, error) {
	if cfg.Bitrate <= 0 {
		return nil, errBitrate
	}
	if cfg.FPS <= 0 {
		cfg.FPS = 30
	}
	if cfg.KeyInterval <= 0 {
		cfg.KeyInterval = 2 * time.Second
	}
	size := cfg.Bitrate / 8 / cfg.FPS
	v := &video{cfg: cfg, id: rand.Uint64(), size: size,
		keyEvery: max(1, int(cfg.KeyInterval*time.Duration(cfg.FPS)/time.Second)),
		buf:      make([]byte, max(size, len(keyFrame)+MarkSize))}
	// The padding: anything but zeros, which some packet paths squeeze.
	for i := range v.buf {
		v.buf[i] = byte(i*7 + 1)
	}
	return v, nil
}

type video struct {
	cfg      Config
	id       uint64
	size     int
	keyEvery int
	n        uint64
	buf      []byte
}

func (v *video) Track() media.Track {
	return media.Track{Codec: media.VP8, Width: Width, Height: Height}
}

func (v *video) Next() (media.Sample, error) {
	key := v.n%uint64(v.keyEvery) == 0
	base := interFrame
	if key {
		base = keyFrame
	}
	n := max(v.size, len(base)+MarkSize)
	frame := v.buf[:n]
	copy(frame, base)
	binary.BigEndian.PutUint64(frame[n-16:], v.id)
	binary.BigEndian.PutUint64(frame[n-8:], v.n)
	clock := uint64(media.VP8.ClockRate)
	s := media.Sample{
		Data:     frame,
		Ticks:    v.n * clock / uint64(v.cfg.FPS),
		Offset:   time.Duration(v.n) * time.Second / time.Duration(v.cfg.FPS),
		Keyframe: key,
	}
	v.n++
	return s, nil
}

func (v *video) Close() error { return nil }

// silence is one 20 ms Opus packet (CELT, fullband) that decodes to
// silence: the packet WebRTC senders send when muted.
var silence = []byte{0xf8, 0xff, 0xfe}

// NewAudio returns an endless source of silent 20 ms Opus packets.
func NewAudio() media.Source { return &audio{} }

type audio struct{ n uint64 }

func (a *audio) Track() media.Track { return media.Track{Codec: media.Opus, Channels: 2} }

func (a *audio) Next() (media.Sample, error) {
	s := media.Sample{Data: silence, Ticks: a.n * 960, Offset: time.Duration(a.n) * 20 * time.Millisecond,
		Duration: 960, Keyframe: true}
	a.n++
	return s, nil
}

func (a *audio) Close() error { return nil }
