package ogg

import "errors"

// Sentinel errors; returned errors wrap one of these with the page's byte
// offset or the packet concerned.
var (
	// ErrCapture: a page does not start with "OggS" where one must start.
	ErrCapture = errors.New("ogg: bad capture pattern")
	// ErrVersion: a page has a stream structure version other than 0.
	ErrVersion = errors.New("ogg: unsupported page version")
	// ErrCRC: a page's checksum does not match its contents.
	ErrCRC = errors.New("ogg: page checksum mismatch")
	// ErrTruncated: the input ends inside a page or inside a packet.
	ErrTruncated = errors.New("ogg: truncated")
	// ErrCorrupt: pages are well formed but do not fit together (lost
	// pages, a continuation with nothing to continue, an invalid granule).
	ErrCorrupt = errors.New("ogg: corrupt stream")
	// ErrNotOpus: the first packet is not a valid OpusHead or the second
	// not OpusTags.
	ErrNotOpus = errors.New("ogg: not an Ogg Opus stream")
	// ErrInvalidPacket: an Opus packet whose TOC does not give a duration.
	ErrInvalidPacket = errors.New("ogg: invalid opus packet")
	// ErrPacketTooLarge: a packet beyond what Opus or our memory cap allows.
	ErrPacketTooLarge = errors.New("ogg: packet too large")
	// ErrNonMonotonic: Writer was given a packet starting before the end of
	// the previous one.
	ErrNonMonotonic = errors.New("ogg: packet start went backwards")
	// ErrBadArgument: Writer was given an unsupported channel count.
	ErrBadArgument = errors.New("ogg: bad argument")
	// ErrClosed: the Writer was used after Close.
	ErrClosed = errors.New("ogg: writer closed")
	// ErrWrite wraps a failure of the underlying io.Writer.
	ErrWrite = errors.New("ogg: write failed")
)
