package mkv

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// H.264 NAL unit types (H.264 table 7-1) that matter here.
const (
	nalSPS = 7
	nalPPS = 8
)

// appendAVC appends nals in the length-prefixed form Matroska's
// V_MPEG4/ISO/AVC requires (ISO 14496-15), with 4-byte lengths as the
// avcC we build declares.
func appendAVC(dst []byte, nals [][]byte) []byte {
	for _, n := range nals {
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(n)))
		dst = append(dst, n...)
	}
	return dst
}

// avcConfig builds an AVCDecoderConfigurationRecord (avcC, ISO 14496-15
// 5.3.3.1) from the SPS and PPS NAL units of a keyframe, with 4-byte NAL
// lengths. The first SPS gives the profile, level and picture size.
func avcConfig(nals [][]byte) (avcC []byte, sps spsInfo, err error) {
	var spss, ppss [][]byte
	for _, n := range nals {
		switch n[0] & 0x1f {
		case nalSPS:
			spss = appendUnique(spss, n)
		case nalPPS:
			ppss = appendUnique(ppss, n)
		}
	}
	if len(spss) == 0 || len(ppss) == 0 {
		return nil, spsInfo{}, fmt.Errorf("%w: keyframe without SPS and PPS", ErrWaitingForKeyframe)
	}
	if len(spss) > 31 || len(ppss) > 255 {
		return nil, spsInfo{}, fmt.Errorf("%w: %d SPS and %d PPS in one access unit", ErrBadFrame, len(spss), len(ppss))
	}
	sps, ok := parseSPS(spss[0])
	if !ok {
		return nil, spsInfo{}, fmt.Errorf("%w: malformed SPS", ErrBadFrame)
	}
	b := []byte{1, sps.profile, sps.compat, sps.level, 0xfc | 3, 0xe0 | byte(len(spss))}
	for _, s := range spss {
		b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
		b = append(b, s...)
	}
	b = append(b, byte(len(ppss)))
	for _, p := range ppss {
		b = binary.BigEndian.AppendUint16(b, uint16(len(p)))
		b = append(b, p...)
	}
	if sps.hasExt() {
		b = append(b, 0xfc|sps.chromaFormat, 0xf8|sps.lumaDepth8, 0xf8|sps.chromaDepth8, 0)
	}
	return b, sps, nil
}

func appendUnique(list [][]byte, n []byte) [][]byte {
	for _, l := range list {
		if bytes.Equal(l, n) {
			return list
		}
	}
	if len(n) > 0xffff {
		return list // cannot be stored in avcC; a real SPS/PPS is tiny
	}
	return append(list, n)
}
