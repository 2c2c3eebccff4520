// Package ivf reads and writes IVF, the minimal container libvpx uses for
// VP8, VP9 and AV1: a 32-byte file header, then frames, each a 12-byte
// header (size, 64-bit PTS) and the codec payload.
//
// The package keeps time exact: frame PTS are returned as stored, and
// Header.Ticks/Duration convert them with 128-bit integer math, so no frame
// rate is ever rounded into a tick interval. FrameSize and IsKeyframe find
// a frame's codec by the file's FourCC; what they read of the bitstream is
// media/vp8's, vp9's and av1's.
package ivf
