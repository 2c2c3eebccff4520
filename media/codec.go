package media

import (
	"fmt"
	"slices"
	"strings"
)

// Kind is what a track carries.
type Kind uint8

// The kinds of track.
const (
	Video Kind = iota + 1
	Audio
)

func (k Kind) String() string {
	switch k {
	case Video:
		return "video"
	case Audio:
		return "audio"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Format is a container a track can be read from or written to.
type Format string

// The formats media reads and writes.
const (
	FormatIVF  Format = "ivf"  // VP8, VP9, AV1
	FormatOgg  Format = "ogg"  // Opus
	FormatH264 Format = "h264" // H.264 Annex-B byte stream
	FormatWebM Format = "webm" // VP8, VP9, AV1 and Opus, every track of a sender in one file
	FormatMKV  Format = "mkv"  // Matroska: WebM's codecs and H.264
	FormatMP4  Format = "mp4"  // H.264, VP9, AV1 and Opus in MP4: fragments while recording, a regular MP4 at the end
	FormatFMP4 Format = "fmp4" // the same, left fragmented
)

// Muxed reports whether f holds several tracks (a sender's video and
// audio) rather than one.
func (f Format) Muxed() bool {
	return f == FormatWebM || f == FormatMKV || f == FormatMP4 || f == FormatFMP4
}

// Ext is the file name extension of a muxed format's files.
func (f Format) Ext() string {
	if f == FormatFMP4 {
		return ".mp4"
	}
	return "." + string(f)
}

// ParseFormat parses a format name ("webm", "IVF", ...).
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToLower(strings.TrimSpace(s)))
	switch f {
	case FormatIVF, FormatOgg, FormatH264, FormatWebM, FormatMKV, FormatMP4, FormatFMP4:
		return f, nil
	}
	return "", fmt.Errorf("%w: %q (want ivf, ogg, h264, webm, mkv, mp4 or fmp4)", ErrUnknownFormat, s)
}

// Codec is everything the rest of webrtc-cli needs to know about a codec:
// how SDP names it, its RTP clock, and where it can be written. Codecs are
// the package's variables (VP8, VP9, AV1, H264, Opus) and are compared
// by pointer.
type Codec struct {
	Name      string // as in SDP's rtpmap: "VP8", "VP9", "AV1", "H264", "opus"
	MimeType  string // "video/VP8", as pion names it
	ClockRate uint32 // RTP clock: 90000 for video, 48000 for Opus
	Kind      Kind
	// Formats are the containers the codec can be written to; the first is
	// its file of its own (one track per file).
	Formats []Format
	// FourCC names the codec in IVF; MatroskaID in WebM and Matroska.
	FourCC     string
	MatroskaID string
}

// The codecs webrtc-cli sends and records.
var (
	VP8  = &Codec{Name: "VP8", MimeType: "video/VP8", ClockRate: 90000, Kind: Video, Formats: []Format{FormatIVF, FormatWebM, FormatMKV}, FourCC: "VP80", MatroskaID: "V_VP8"}
	VP9  = &Codec{Name: "VP9", MimeType: "video/VP9", ClockRate: 90000, Kind: Video, Formats: []Format{FormatIVF, FormatWebM, FormatMKV, FormatMP4, FormatFMP4}, FourCC: "VP90", MatroskaID: "V_VP9"}
	AV1  = &Codec{Name: "AV1", MimeType: "video/AV1", ClockRate: 90000, Kind: Video, Formats: []Format{FormatIVF, FormatWebM, FormatMKV, FormatMP4, FormatFMP4}, FourCC: "AV01", MatroskaID: "V_AV1"}
	H264 = &Codec{Name: "H264", MimeType: "video/H264", ClockRate: 90000, Kind: Video, Formats: []Format{FormatH264, FormatMKV, FormatMP4, FormatFMP4}, MatroskaID: "V_MPEG4/ISO/AVC"}
	Opus = &Codec{Name: "opus", MimeType: "audio/opus", ClockRate: 48000, Kind: Audio, Formats: []Format{FormatOgg, FormatWebM, FormatMKV, FormatMP4, FormatFMP4}, MatroskaID: "A_OPUS"}
)

// Codecs lists every codec, video first.
var Codecs = []*Codec{VP8, VP9, AV1, H264, Opus}

// CodecByName finds a codec by its SDP name, in any case.
func CodecByName(name string) (*Codec, error) {
	for _, c := range Codecs {
		if strings.EqualFold(c.Name, strings.TrimSpace(name)) {
			return c, nil
		}
	}
	return nil, fmt.Errorf("%w: %q (want VP8, VP9, AV1, H264 or opus)", ErrUnsupportedCodec, name)
}

// CodecByMime finds a codec by MIME type ("video/vp8"), in any case.
func CodecByMime(mime string) (*Codec, error) {
	for _, c := range Codecs {
		if strings.EqualFold(c.MimeType, mime) {
			return c, nil
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrUnsupportedCodec, mime)
}

// CodecByFourCC finds the codec an IVF file holds.
func CodecByFourCC(fourcc string) (*Codec, error) {
	for _, c := range Codecs {
		if c.FourCC != "" && c.FourCC == fourcc {
			return c, nil
		}
	}
	return nil, fmt.Errorf("%w: IVF codec %q (want VP80, VP90 or AV01)", ErrUnsupportedCodec, fourcc)
}

// Video reports whether c is a video codec.
func (c *Codec) Video() bool { return c.Kind == Video }

// CanWrite reports whether c can be written to f.
func (c *Codec) CanWrite(f Format) bool { return slices.Contains(c.Formats, f) }

// muxedFormats names the formats that take c beside other tracks, as
// "webm or mkv".
func (c *Codec) muxedFormats() string {
	var names []string
	for _, f := range c.Formats {
		if f.Muxed() {
			names = append(names, string(f))
		}
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// Format is the codec's file of its own: IVF, Ogg or H264.
func (c *Codec) Format() Format { return c.Formats[0] }

// Ext is the extension of the codec's own file, with the dot: ".ivf".
func (c *Codec) Ext() string { return "." + string(c.Format()) }

func (c *Codec) String() string { return c.Name }
