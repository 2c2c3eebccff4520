package rtpio

// Stats counts what an Assembler did with its packets. Every pushed packet is
// counted once in exactly one of Padding, Duplicates, Late, Delivered,
// Discarded or Buffered:
//
//	Packets == Padding + Duplicates + Late + Delivered + Discarded + Buffered
type Stats struct {
	// Packets is the number of packets pushed.
	Packets uint64
	// Padding counts packets with no payload (padding-only probes).
	Padding uint64
	// Duplicates counts copies of a packet already buffered or delivered,
	// such as the retransmissions Chromium sends of packets that arrived.
	Duplicates uint64
	// Late counts packets that arrived after their sequence number was
	// declared lost, or too long after it to tell.
	Late uint64
	// Delivered counts packets that went into emitted frames.
	Delivered uint64
	// Discarded counts packets thrown away with a dropped frame.
	Discarded uint64
	// Buffered is the number of packets waiting in the buffer now.
	Buffered uint64

	// Lost counts sequence numbers given up on: never received within
	// MaxDelay, or pushed out of a full buffer.
	Lost uint64
	// Frames counts emitted frames.
	Frames uint64
	// FramesDropped counts frames thrown away: incomplete, corrupt, or
	// inter frames while waiting for a keyframe.
	FramesDropped uint64
	// KeyframeWaits counts the times a loss made a video stream wait for a
	// keyframe (the wait before the first keyframe is not counted).
	KeyframeWaits uint64
	// Resyncs counts the times the stream's sequence numbers jumped so far
	// that the buffer started over.
	Resyncs uint64
}
