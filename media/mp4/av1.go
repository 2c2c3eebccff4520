package mp4

import (
	"fmt"

	av1mp4 "github.com/Eyevinn/mp4ff/av1"
	"github.com/Eyevinn/mp4ff/mp4"

	"github.com/webrtc-cli/webrtc-cli/media/av1"
)

// av1Sample returns the temporal unit as an AV1-ISOBMFF sample wants it:
// without temporal delimiters (2.4: they SHOULD be removed; the sample is
// the temporal unit), and the first sequence header OBU, if any.
func av1Sample(tu []byte) (sample []byte, seq av1.OBU, hasSeq bool, err error) {
	sample, seq, hasSeq, ok := av1.StripTemporalDelimiters(tu)
	if !ok {
		return nil, av1.OBU{}, false, fmt.Errorf("%w: malformed AV1 OBU framing", ErrBadFrame)
	}
	return sample, seq, hasSeq, nil
}

// av1Entry builds the av01 sample entry, whose av1C carries the sequence
// header of the keyframe that starts the file as its configOBUs.
func (t *track) av1Entry(seq av1.OBU) error {
	sh, err := av1mp4.ParseSequenceHeader(seq.Payload)
	if err != nil {
		return fmt.Errorf("%w: AV1 sequence header: %w", ErrBadFrame, err)
	}
	hdr, err := av1mp4.ParseOBUHeader(seq.Header)
	if err != nil {
		return fmt.Errorf("%w: AV1 sequence header: %w", ErrBadFrame, err)
	}
	// Encode gives the OBU a size field, as configOBUs requires.
	config := av1mp4.OBU{Header: hdr, Payload: seq.Payload}.Encode()
	av1C := &mp4.Av1CBox{CodecConfRec: av1mp4.CodecConfRecFromSequenceHeader(sh, config)}
	t.sizeFrom(int(sh.Width()), int(sh.Height()))
	t.entry = mp4.CreateVisualSampleEntryBox("av01", uint16(t.width), uint16(t.height), av1C)
	return nil
}
