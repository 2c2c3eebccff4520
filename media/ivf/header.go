package ivf

import (
	"encoding/binary"
	"fmt"
)

const (
	fileHeaderSize  = 32
	frameHeaderSize = 12
	// maxHeaderSize bounds the header-size field: newer writers may append
	// fields we skip, but a huge value only means garbage.
	maxHeaderSize = 4096
	// MaxFrameSize is the largest frame Reader accepts and Writer writes:
	// far above any real VP8/VP9/AV1 frame, low enough that a corrupt size
	// field cannot make us allocate gigabytes.
	MaxFrameSize = 32 << 20
)

// Header is the IVF file header.
type Header struct {
	FourCC      string // "VP80", "VP90", "AV01"
	Width       uint16 // as written by the muxer; FrameSize gives the truth
	Height      uint16
	TimebaseNum uint32 // a PTS of 1 lasts TimebaseNum/TimebaseDen seconds
	TimebaseDen uint32
	// Length is bytes 24-27. libvpx calls it a frame count; ffmpeg writes
	// and reads it as the stream duration in timebase units.
	Length uint32
}

// parseHeader checks the fixed 32 bytes and returns the declared header size
// so the caller can skip fields from a future version.
func parseHeader(b []byte) (Header, int, error) {
	if string(b[0:4]) != "DKIF" {
		return Header{}, 0, fmt.Errorf("%w: %q", ErrBadSignature, b[0:4])
	}
	size := int(binary.LittleEndian.Uint16(b[6:]))
	if size < fileHeaderSize || size > maxHeaderSize {
		return Header{}, 0, fmt.Errorf("%w: header size %d", ErrBadHeader, size)
	}
	h := Header{
		FourCC:      string(b[8:12]),
		Width:       binary.LittleEndian.Uint16(b[12:]),
		Height:      binary.LittleEndian.Uint16(b[14:]),
		TimebaseDen: binary.LittleEndian.Uint32(b[16:]),
		TimebaseNum: binary.LittleEndian.Uint32(b[20:]),
		Length:      binary.LittleEndian.Uint32(b[24:]),
	}
	if h.TimebaseNum == 0 || h.TimebaseDen == 0 {
		return Header{}, 0, fmt.Errorf("%w: %d/%d", ErrBadTimebase, h.TimebaseNum, h.TimebaseDen)
	}
	return h, size, nil
}

// marshal encodes h into b[:32]; version 0, as libvpx and ffmpeg write.
func (h Header) marshal(b []byte) {
	copy(b[0:4], "DKIF")
	binary.LittleEndian.PutUint16(b[4:], 0)
	binary.LittleEndian.PutUint16(b[6:], fileHeaderSize)
	copy(b[8:12], h.FourCC)
	binary.LittleEndian.PutUint16(b[12:], h.Width)
	binary.LittleEndian.PutUint16(b[14:], h.Height)
	binary.LittleEndian.PutUint32(b[16:], h.TimebaseDen)
	binary.LittleEndian.PutUint32(b[20:], h.TimebaseNum)
	binary.LittleEndian.PutUint32(b[24:], h.Length)
	binary.LittleEndian.PutUint32(b[28:], 0)
}
