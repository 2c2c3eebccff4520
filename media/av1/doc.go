// Package av1 reads what webrtc-cli needs from AV1 temporal units: their
// OBUs, the sequence header (the picture size, and the fields of
// Matroska's av1C) and whether a decoder can start at one. It reads
// headers only and never panics on damaged input; the IVF and Matroska
// writers, the RTP frame assembler and media.Codec all rely on it.
package av1
