// Package h264 reads and writes H.264 Annex-B byte streams (raw .h264
// files) one access unit at a time, and parses the parameter sets a sender
// needs for SDP. IsKeyframe and AppendNALUnits take one access unit
// already in memory, as the Matroska writer and RTP have them.
//
// Reader splits a stream into access units by the standard's rules
// (H.264 §7.4.1.2.3-4) and times each one exactly from a given frame rate
// or the SPS VUI timing. Its AccessUnit.Data is the unit as an RTP receiver
// rebuilds it: every NAL unit behind a 4-byte start code, without trailing
// zero bytes, access unit delimiters or filler data, so a sent unit can be
// compared byte for byte with a received one. Streams with B-frames are
// refused (ErrBFrames): WebRTC sends frames in decoding order and has no
// composition time. Writer writes received units back to a file, putting
// the last SPS and PPS seen in front of an IDR that arrives without them.
package h264
