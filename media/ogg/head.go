package ogg

import (
	"encoding/binary"
	"fmt"
)

// Head is the OpusHead identification header (RFC 7845 5.1).
type Head struct {
	Version         uint16 // 1 in RFC 7845; 0-15 (major version 0) are accepted
	Channels        uint16
	PreSkip         uint16 // 48 kHz samples to drop from the decoder's output
	InputSampleRate uint32 // informational only; Opus always decodes at 48 kHz here
	OutputGain      int16  // Q7.8 dB
	MappingFamily   uint8
	// For MappingFamily != 0 only: the channel mapping table.
	StreamCount  uint8
	CoupledCount uint8
	Mapping      []byte
}

const (
	headMagic   = "OpusHead"
	tagsMagic   = "OpusTags"
	headMinSize = 19
	vendor      = "webrtc-cli"
)

func parseHead(b []byte) (Head, error) {
	if len(b) < 8 || string(b[:8]) != headMagic {
		return Head{}, fmt.Errorf("%w: first packet is not OpusHead", ErrNotOpus)
	}
	if len(b) < headMinSize {
		return Head{}, fmt.Errorf("%w: OpusHead of %d bytes", ErrNotOpus, len(b))
	}
	h := Head{
		Version:         uint16(b[8]),
		Channels:        uint16(b[9]),
		PreSkip:         binary.LittleEndian.Uint16(b[10:]),
		InputSampleRate: binary.LittleEndian.Uint32(b[12:]),
		OutputGain:      int16(binary.LittleEndian.Uint16(b[16:])),
		MappingFamily:   b[18],
	}
	// The upper nibble is the major version; a new one means an
	// incompatible layout (RFC 7845 5.1).
	if h.Version>>4 != 0 {
		return Head{}, fmt.Errorf("%w: OpusHead version %d", ErrNotOpus, h.Version)
	}
	if h.Channels == 0 {
		return Head{}, fmt.Errorf("%w: OpusHead with 0 channels", ErrNotOpus)
	}
	if h.MappingFamily == 0 {
		if h.Channels > 2 {
			return Head{}, fmt.Errorf("%w: mapping family 0 with %d channels", ErrNotOpus, h.Channels)
		}
		return h, nil
	}
	if len(b) < headMinSize+2+int(h.Channels) {
		return Head{}, fmt.Errorf("%w: OpusHead channel mapping table cut short", ErrNotOpus)
	}
	h.StreamCount, h.CoupledCount = b[19], b[20]
	if h.StreamCount == 0 || h.CoupledCount > h.StreamCount || int(h.StreamCount)+int(h.CoupledCount) > 255 {
		return Head{}, fmt.Errorf("%w: OpusHead with %d streams, %d coupled", ErrNotOpus, h.StreamCount, h.CoupledCount)
	}
	h.Mapping = append([]byte(nil), b[21:21+int(h.Channels)]...)
	return h, nil
}

// marshalHead encodes a mapping family 0 OpusHead.
func marshalHead(channels uint8, preSkip uint16) []byte {
	b := []byte(headMagic)
	b = append(b, 1, channels)
	b = binary.LittleEndian.AppendUint16(b, preSkip)
	b = binary.LittleEndian.AppendUint32(b, 48000)
	b = binary.LittleEndian.AppendUint16(b, 0) // output gain
	return append(b, 0)                        // mapping family
}

func isTags(b []byte) bool { return len(b) >= 8 && string(b[:8]) == tagsMagic }

// marshalTags encodes an OpusTags packet with our vendor string and no
// comments.
func marshalTags() []byte {
	b := []byte(tagsMagic)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(vendor)))
	b = append(b, vendor...)
	return binary.LittleEndian.AppendUint32(b, 0) // user comment count
}
