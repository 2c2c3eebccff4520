package mp4

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/Eyevinn/mp4ff/mp4"

	"github.com/webrtc-cli/webrtc-cli/media/h264"
)

// H.264 NAL unit types (H.264 table 7-1) that matter here.
const (
	nalSPS    = 7
	nalPPS    = 8
	nalAUD    = 9
	nalFiller = 12
)

// appendAVC appends nals in the length-prefixed form of ISO 14496-15,
// with the 4-byte lengths the avcC declares. Access unit delimiters and
// filler data are left out: a sample is an access unit already, and
// 14496-15 advises against both. SPS and PPS stay in band, so a stream
// that changes them (a new resolution) still decodes.
func appendAVC(dst []byte, nals [][]byte) []byte {
	for _, n := range nals {
		if typ := n[0] & 0x1f; typ == nalAUD || typ == nalFiller {
			continue
		}
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(n)))
		dst = append(dst, n...)
	}
	return dst
}

// avcEntry builds the avc1 sample entry from the SPS and PPS of the
// keyframe that starts the file; the first SPS gives the picture size.
func (t *track) avcEntry(nals [][]byte) error {
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
		return fmt.Errorf("%w: keyframe without SPS and PPS", ErrWaitingForKeyframe)
	}
	if len(spss) > 31 || len(ppss) > 255 {
		return fmt.Errorf("%w: %d SPS and %d PPS in one access unit", ErrBadFrame, len(spss), len(ppss))
	}
	// media/h264's parser checks the SPS before mp4ff's reads it.
	sps, err := h264.ParseSPS(spss[0])
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadFrame, err)
	}
	avcC, err := mp4.CreateAvcC(spss, ppss, true)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadFrame, err)
	}
	// mp4ff writes 4:2:0 8-bit whatever the SPS says.
	avcC.ChromaFormat = byte(sps.ChromaFormatIDC)
	avcC.BitDepthLumaMinus1 = byte(sps.BitDepthLuma - 8)
	avcC.BitDepthChromaMinus1 = byte(sps.BitDepthChroma - 8)
	t.sizeFrom(sps.Width, sps.Height)
	t.entry = mp4.CreateVisualSampleEntryBox("avc1", uint16(t.width), uint16(t.height), avcC)
	return nil
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
