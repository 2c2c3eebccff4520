package rtpio

import "errors"

var (
	// ErrUnknownCodec is returned for a codec name this package cannot handle.
	ErrUnknownCodec = errors.New("rtpio: unknown codec")
	// ErrMTU is returned when the MTU leaves too little room for a payload.
	ErrMTU = errors.New("rtpio: mtu out of range")
	// ErrEmptyFrame is returned for a frame that carries no media.
	ErrEmptyFrame = errors.New("rtpio: empty frame")
	// ErrMalformedFrame is returned when a frame's bitstream cannot be
	// packetized as it is, so sending it would make pion drop or truncate it
	// silently.
	ErrMalformedFrame = errors.New("rtpio: malformed frame")
	// ErrConfig is returned for an invalid AssemblerConfig.
	ErrConfig = errors.New("rtpio: invalid assembler config")

	// errCorruptFrame marks a frame whose packets are all present but do not
	// form a valid frame; it is dropped like an incomplete one.
	errCorruptFrame = errors.New("rtpio: corrupt frame")
)
