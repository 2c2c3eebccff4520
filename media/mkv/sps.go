package mkv

import "github.com/webrtc-cli/webrtc-cli/media/h264"

// spsInfo is what avcC and the track header need from an H.264 SPS.
type spsInfo struct {
	profile, compat, level   byte
	chromaFormat             byte
	lumaDepth8, chromaDepth8 byte // bit depth minus 8
	width, height            int
}

// hasExt reports whether avcC carries the chroma format and bit depths
// after the PPS list: for every profile but Baseline, Main and Extended,
// as ISO 14496-15 now reads and ffmpeg writes.
func (s spsInfo) hasExt() bool {
	return s.profile != 66 && s.profile != 77 && s.profile != 88
}

// parseSPS takes what avcC needs from an SPS NAL unit (header byte
// included), with media/h264's parser.
func parseSPS(nal []byte) (spsInfo, bool) {
	s, err := h264.ParseSPS(nal)
	if err != nil {
		return spsInfo{}, false
	}
	return spsInfo{
		profile: s.ProfileIDC, compat: s.Constraints, level: s.LevelIDC,
		chromaFormat: byte(s.ChromaFormatIDC),
		lumaDepth8:   byte(s.BitDepthLuma - 8), chromaDepth8: byte(s.BitDepthChroma - 8),
		width: s.Width, height: s.Height,
	}, true
}
