// Package rtpio turns media frames into RTP packets and RTP packets back into
// frames, for VP8, VP9, AV1, H264 and Opus.
//
// Packetizer fragments one frame with pion's payloaders, working around the
// places where their output is wrong for real receivers. Assembler is the
// receiving side's jitter buffer: it reorders, drops duplicates and padding,
// waits a bounded time for retransmissions, and emits only complete frames,
// in order, resuming at a keyframe after a loss. It replaces pion's
// samplebuilder, whose behaviour after loss, at wraparound and with padding
// is not safe for writing files.
package rtpio
