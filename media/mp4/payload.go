package mp4

import (
	"fmt"

	av1mp4 "github.com/Eyevinn/mp4ff/av1"
	"github.com/Eyevinn/mp4ff/avc"
	"github.com/Eyevinn/mp4ff/mp4"

	"github.com/webrtc-cli/webrtc-cli/media/h264"
)

// payload converts data to the sample the file stores and, for the
// keyframe that starts the file, builds the video track's sample entry.
// dur is an Opus packet's length in 48 kHz ticks, else 0. The sample may
// alias data or the Writer's scratch buffers.
func (w *Writer) payload(t *track, data []byte, keyframe bool) ([]byte, uint64, error) {
	starting := t.video && !w.started && keyframe
	switch t.codec {
	case CodecOpus:
		d, err := opusDuration(data)
		return data, d, err
	case CodecVP9:
		if starting {
			return data, 0, t.vp9Entry(data)
		}
		return data, 0, nil
	case CodecAV1:
		sample, seq, hasSeq, err := av1Sample(data)
		if err == nil && len(sample) == 0 {
			err = fmt.Errorf("%w: only temporal delimiters", ErrBadFrame)
		}
		if err != nil || !starting {
			return sample, 0, err
		}
		if !hasSeq {
			return nil, 0, fmt.Errorf("%w: AV1 keyframe without a sequence header", ErrWaitingForKeyframe)
		}
		return sample, 0, t.av1Entry(seq)
	default: // H264
		nals, ok := h264.AppendNALUnits(w.nals[:0], data)
		w.nals = nals
		if !ok || len(nals) == 0 {
			return nil, 0, fmt.Errorf("%w: not an Annex-B access unit", ErrBadFrame)
		}
		if starting {
			if err := t.avcEntry(nals); err != nil {
				return nil, 0, err
			}
		}
		w.avc = appendAVC(w.avc[:0], nals)
		if len(w.avc) == 0 {
			return nil, 0, fmt.Errorf("%w: only access unit delimiters", ErrBadFrame)
		}
		return w.avc, 0, nil
	}
}

// placeholders gives video tracks that never saw a keyframe a sample
// entry, so that a file without samples still describes every track. It
// says only what the codec is: there are no parameter sets to put in it,
// and the profile and level are nominal.
func (w *Writer) placeholders() {
	for _, t := range w.tracks {
		if t.entry != nil {
			continue
		}
		name, cfg := "avc1", mp4.Box(&mp4.AvcCBox{DecConfRec: avc.DecConfRec{AVCProfileIndication: 66, AVCLevelIndication: 31}})
		switch t.codec {
		case CodecVP9:
			name, cfg = "vp09", &mp4.VppCBox{Version: 1, BitDepth: 8, ChromaSubsampling: 1,
				ColourPrimaries: 2, TransferCharacteristics: 2, MatrixCoefficients: 2}
		case CodecAV1:
			name, cfg = "av01", &mp4.Av1CBox{CodecConfRec: av1mp4.CodecConfRec{Version: 1, ChromaSubsamplingX: 1, ChromaSubsamplingY: 1}}
		}
		t.entry = mp4.CreateVisualSampleEntryBox(name, uint16(t.width), uint16(t.height), cfg)
	}
}
