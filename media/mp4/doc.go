// Package mp4 writes MP4 recordings of one sender: a video track (H264,
// AV1 or VP9) and Opus audio, on one timeline, without re-encoding. The
// boxes are github.com/Eyevinn/mp4ff's; this package decides what goes
// where. While recording it writes fragmented MP4 (a moov up front, then
// one moof+mdat per fragment in a single Write), so the file on disk
// plays up to its last fragment at any moment. Close, when the output is
// a file, turns it in place into a regular MP4 with its moov in front,
// without reading the recording into memory.
package mp4
