package mp4

import (
	"fmt"

	"github.com/Eyevinn/mp4ff/mp4"
	"github.com/Eyevinn/mp4ff/vp9"
)

// assumedRate is the frame rate the vpcC level is computed for: the
// header is written at the first keyframe, before any rate is known, and
// 30 fps is what WebRTC senders aim at.
const assumedRate = 30

// vp9Entry builds the vp09 sample entry from the uncompressed header of
// the keyframe that starts the file (the first frame of a superframe is
// at its start).
func (t *track) vp9Entry(frame []byte) error {
	h, err := vp9.ParseFrameHeader(frame)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadFrame, err)
	}
	if !h.KeyFrame {
		return fmt.Errorf("%w: the VP9 frame marked as a keyframe is not one", ErrWaitingForKeyframe)
	}
	t.sizeFrom(int(h.Width), int(h.Height))
	primaries, transfer, matrix := h.CICP()
	vpcC := &mp4.VppCBox{
		Version:                 1,
		Profile:                 h.Profile,
		Level:                   vp9.Level(uint32(t.width), uint32(t.height), assumedRate),
		BitDepth:                h.BitDepth,
		ChromaSubsampling:       h.VpcCChromaSubsampling(),
		ColourPrimaries:         primaries,
		TransferCharacteristics: transfer,
		MatrixCoefficients:      matrix,
	}
	if h.ColorRange {
		vpcC.VideoFullRangeFlag = 1
	}
	t.entry = mp4.CreateVisualSampleEntryBox("vp09", uint16(t.width), uint16(t.height), vpcC)
	return nil
}
