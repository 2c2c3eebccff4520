package rtpio

import (
	"fmt"
	"github.com/webrtc-cli/webrtc-cli/media"
	"math/rand/v2"

	"github.com/pion/rtp"
)

const (
	rtpHeaderSize = 12
	// minMTU leaves room for the largest payload descriptor (VP9 keyframe
	// with scalability structure: 11 bytes) and a useful fragment.
	minMTU = 64
	maxMTU = 65535
)

// payloader is pion's rtp.Payloader with an error: pion's payloaders return
// no packets, or silently fewer bytes, for input they cannot parse, and a
// sender must know that instead of skipping the frame.
type payloader interface {
	payload(maxPayload uint16, frame []byte) ([][]byte, error)
}

// Packetizer fragments frames of one codec into RTP packets with consecutive
// sequence numbers. It is not safe for concurrent use.
type Packetizer struct {
	codec      *media.Codec
	payloader  payloader
	maxPayload uint16
	seq        uint16

	// packets and out are reused by every call, so that sending a frame
	// allocates only what pion's payloaders allocate.
	packets []rtp.Packet
	out     []*rtp.Packet
}

// NewPacketizer returns a Packetizer for codec (media.VP8, VP9, AV1, H264
// or Opus). mtu is the size budget of a whole RTP packet,
// including the 12-byte fixed header, like pion's (which uses 1200); header
// extensions added by interceptors come on top of it.
func NewPacketizer(c *media.Codec, mtu int) (*Packetizer, error) {
	if err := checkCodec(c); err != nil {
		return nil, err
	}
	if mtu < minMTU || mtu > maxMTU {
		return nil, fmt.Errorf("%w: %d not in [%d, %d]", ErrMTU, mtu, minMTU, maxMTU)
	}

	return &Packetizer{
		codec:      c,
		payloader:  newPayloader(c),
		maxPayload: uint16(mtu - rtpHeaderSize),
		// A random start makes a known-plaintext attack on SRTP harder
		// (RFC 3550 §5.1).
		seq: uint16(rand.Uint32()),
	}, nil
}

// Packetize fragments one frame into packets that all carry timestamp; the
// last packet of a video frame has the marker bit. The caller computes
// timestamp exactly from the file's timebase (a time.Duration in between
// truncates and drifts). PayloadType and SSRC are left zero because
// webrtc.TrackLocalStaticRTP sets them for each binding.
//
// It fails with ErrEmptyFrame or ErrMalformedFrame where pion's payloader
// would drop the frame or send part of it without a word.
//
// The returned slice and packets are reused by the next call: write them
// (TrackLocalStaticRTP.WriteRTP copies what it keeps) and drop them. The
// payloads are freshly allocated and may be kept. Frames are IVF frames
// (AV1: a temporal unit of OBUs with size fields), H264 access units in
// Annex-B form (3- or 4-byte start codes; access unit delimiters and filler
// data are not sent) or single Opus packets.
func (p *Packetizer) Packetize(frame []byte, timestamp uint32) ([]*rtp.Packet, error) {
	if len(frame) == 0 {
		return nil, ErrEmptyFrame
	}
	payloads, err := p.payloader.payload(p.maxPayload, frame)
	if err != nil {
		return nil, err
	}
	if len(payloads) == 0 {
		// AV1 temporal unit of only temporal delimiters / tile lists.
		return nil, fmt.Errorf("%w: %s frame of %d bytes gave no packets", ErrEmptyFrame, p.codec, len(frame))
	}

	if cap(p.packets) < len(payloads) {
		p.packets = make([]rtp.Packet, len(payloads))
		p.out = make([]*rtp.Packet, len(payloads))
	}
	p.packets = p.packets[:len(payloads)]
	p.out = p.out[:len(payloads)]
	for i, payload := range payloads {
		pkt := &p.packets[i]
		*pkt = rtp.Packet{
			Header: rtp.Header{
				Version:        2,
				Marker:         p.codec.Video() && i == len(payloads)-1,
				SequenceNumber: p.seq,
				Timestamp:      timestamp,
			},
			Payload: payload,
		}
		p.seq++
		p.out[i] = pkt
	}

	return p.out, nil
}

// NextSequenceNumber is the sequence number the next packet will carry.
func (p *Packetizer) NextSequenceNumber() uint16 {
	return p.seq
}

// Padding returns count padding-only packets that take the next sequence
// numbers. A stream that starts with a few of them lets the receiver see
// the first media packet go missing and ask for it again: the first packet
// a receiver gets is where it starts counting, so a lost first packet is
// otherwise lost for good. The packets are reused like Packetize's.
func (p *Packetizer) Padding(timestamp uint32, count int) []*rtp.Packet {
	if cap(p.packets) < count {
		p.packets = make([]rtp.Packet, count)
		p.out = make([]*rtp.Packet, count)
	}
	p.packets, p.out = p.packets[:count], p.out[:count]
	for i := range count {
		pkt := &p.packets[i]
		*pkt = rtp.Packet{
			Header:      rtp.Header{Version: 2, Padding: true, SequenceNumber: p.seq, Timestamp: timestamp},
			PaddingSize: 4,
		}
		p.seq++
		p.out[i] = pkt
	}
	return p.out
}
