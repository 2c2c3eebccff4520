package mkv

import (
	"fmt"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/h264"
)

// payload converts data to what the block stores and, for the keyframe
// that starts the file, completes the video track's header. dur is the
// frame's length when the codec says (Opus), else 0.
func (w *Writer) payload(t *track, data []byte, keyframe bool) ([]byte, time.Duration, error) {
	starting := t.codec.video && !w.started && keyframe
	switch t.codec.id {
	case idOpus:
		d, err := opusDuration(data)
		return data, d, err
	case idVP8, idVP9:
		if starting {
			t.sizeFrom(vpxSize(t.codec.id, data))
		}
		return data, 0, nil
	case idAV1:
		block, seq, hasSeq, err := av1Block(data)
		if err == nil && len(block) == 0 {
			err = fmt.Errorf("%w: only temporal delimiters", ErrBadFrame)
		}
		if err != nil || !starting {
			return block, 0, err
		}
		if !hasSeq {
			if t.entry.CodecPrivate == nil {
				return nil, 0, fmt.Errorf("%w: AV1 keyframe without a sequence header", ErrWaitingForKeyframe)
			}
			return block, 0, nil
		}
		cfg, width, height, err := av1Config(seq)
		if err != nil {
			return nil, 0, err
		}
		if t.entry.CodecPrivate == nil {
			t.entry.CodecPrivate = cfg
		}
		t.sizeFrom(width, height, true)
		return block, 0, nil
	default: // h264
		nals, ok := h264.AppendNALUnits(w.nals[:0], data)
		w.nals = nals
		if !ok || len(nals) == 0 {
			return nil, 0, fmt.Errorf("%w: not an Annex-B access unit", ErrBadFrame)
		}
		if starting {
			cfg, sps, err := avcConfig(nals)
			switch {
			case err == nil:
				if t.entry.CodecPrivate == nil {
					t.entry.CodecPrivate = cfg
				}
				t.sizeFrom(sps.width, sps.height, true)
			case t.entry.CodecPrivate == nil:
				return nil, 0, err
			}
		}
		w.avc = appendAVC(w.avc[:0], nals)
		return w.avc, 0, nil
	}
}
