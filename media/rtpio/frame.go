package rtpio

// Frame is one complete frame rebuilt from RTP packets.
type Frame struct {
	// Data is the frame as a file stores it: a VP8/VP9 frame, an AV1
	// temporal unit (temporal delimiter first, OBUs with size fields), an
	// H264 access unit (Annex-B, every NAL unit behind a 4-byte start code)
	// or an Opus packet. It is freshly allocated and belongs to the caller.
	Data []byte
	// Timestamp is the RTP timestamp unwrapped to 64 bits. Only differences
	// are meaningful: the first frame starts at 2^32 + its RTP timestamp, so
	// that a later frame stamped slightly earlier cannot underflow, and
	// uint32(Timestamp) is always the packet's RTP timestamp.
	Timestamp uint64
	// Keyframe reports a random access point: a decoder can start here.
	// Always true for Opus.
	Keyframe bool
	// Discontinuity reports that packets were lost, or frames dropped,
	// between the previous emitted frame and this one.
	Discontinuity bool
	// FirstSeq and LastSeq are the sequence numbers of the frame's first and
	// last packet; Packets counts its media packets (padding excluded).
	FirstSeq, LastSeq uint16
	Packets           int
}
