// Package mkv writes WebM and Matroska recordings of one sender: a video
// track (VP8, VP9, AV1, and in Matroska also H264) and Opus audio, on one
// timeline. The EBML encoding is github.com/at-wat/ebml-go's; this package
// decides what goes where: the file starts at the first video keyframe,
// clusters start at keyframes and at least every five seconds, and every
// size that is unknown while recording is written as "unknown", so the
// bytes on disk play at any moment. Close, when the output can seek,
// fills in sizes, the duration and a cue index for seeking.
package mkv
