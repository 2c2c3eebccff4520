package rtpio

import (
	"fmt"
	"strings"
)

// codec is one of the payload formats this package knows. Adding a codec
// means a constant here, a payloader in newPayloader and frame rules in
// newFrameRules.
type codec int

const (
	codecVP8 codec = iota + 1
	codecVP9
	codecAV1
	codecOpus
	codecH264
)

func parseCodec(name string) (codec, error) {
	switch strings.ToUpper(strings.TrimSpace(name)) {
	case "VP8":
		return codecVP8, nil
	case "VP9":
		return codecVP9, nil
	case "AV1":
		return codecAV1, nil
	case "OPUS":
		return codecOpus, nil
	case "H264":
		return codecH264, nil
	}

	return 0, fmt.Errorf("%w: %q", ErrUnknownCodec, name)
}

// video reports whether frames of c depend on earlier frames, so that a loss
// makes everything up to the next keyframe undecodable.
func (c codec) video() bool {
	return c != codecOpus
}

func (c codec) String() string {
	switch c {
	case codecVP8:
		return "VP8"
	case codecVP9:
		return "VP9"
	case codecAV1:
		return "AV1"
	case codecOpus:
		return "opus"
	case codecH264:
		return "H264"
	}

	return fmt.Sprintf("codec(%d)", int(c))
}
