package media

import (
	"errors"
	"testing"
)

func TestCodecLookups(t *testing.T) {
	for _, c := range []struct {
		name, mime, fourcc string
		want               *Codec
	}{
		{"VP8", "video/vp8", "VP80", VP8},
		{"vp9", "VIDEO/VP9", "VP90", VP9},
		{"AV1", "video/AV1", "AV01", AV1},
		{"h264", "video/H264", "", H264},
		{"OPUS", "audio/opus", "", Opus},
	} {
		if got, err := CodecByName(c.name); got != c.want || err != nil {
			t.Errorf("CodecByName(%q) = %v, %v", c.name, got, err)
		}
		if got, err := CodecByMime(c.mime); got != c.want || err != nil {
			t.Errorf("CodecByMime(%q) = %v, %v", c.mime, got, err)
		}
		if c.fourcc != "" {
			if got, err := CodecByFourCC(c.fourcc); got != c.want || err != nil {
				t.Errorf("CodecByFourCC(%q) = %v, %v", c.fourcc, got, err)
			}
		}
	}
	for _, bad := range []string{"H265", "", "video/vp8"} {
		if _, err := CodecByName(bad); !errors.Is(err, ErrUnsupportedCodec) {
			t.Errorf("CodecByName(%q): %v", bad, err)
		}
	}
	if _, err := CodecByMime("video/H265"); !errors.Is(err, ErrUnsupportedCodec) {
		t.Errorf("CodecByMime(H265): %v", err)
	}
	if _, err := CodecByFourCC("H264"); !errors.Is(err, ErrUnsupportedCodec) {
		t.Errorf("CodecByFourCC(H264): %v", err)
	}
}

func TestCodecFormats(t *testing.T) {
	for _, c := range []struct {
		codec *Codec
		f     Format
		want  bool
	}{
		{VP8, FormatIVF, true}, {VP8, FormatWebM, true}, {VP8, FormatOgg, false},
		{H264, FormatWebM, false}, {H264, FormatMKV, true}, {H264, FormatH264, true}, {H264, FormatIVF, false},
		{Opus, FormatOgg, true}, {Opus, FormatWebM, true}, {Opus, FormatIVF, false},
		{AV1, FormatWebM, true},
	} {
		if got := c.codec.CanWrite(c.f); got != c.want {
			t.Errorf("%v.CanWrite(%s) = %v", c.codec, c.f, got)
		}
	}
	for c, want := range map[*Codec]string{VP8: ".ivf", VP9: ".ivf", AV1: ".ivf", H264: ".h264", Opus: ".ogg"} {
		if c.Ext() != want {
			t.Errorf("%v: Ext %q, want %q", c, c.Ext(), want)
		}
	}
	for in, want := range map[string]Format{"webm": FormatWebM, "MKV": FormatMKV, " ivf": FormatIVF, "ogg": FormatOgg, "h264": FormatH264, "mp4": FormatMP4, "FMP4": FormatFMP4} {
		if got, err := ParseFormat(in); got != want || err != nil {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseFormat("avi"); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("ParseFormat(avi): %v", err)
	}
	if VP8.CanWrite(FormatMP4) || !H264.CanWrite(FormatMP4) || !Opus.CanWrite(FormatFMP4) || FormatFMP4.Ext() != ".mp4" {
		t.Error("MP4: VP8 refused, H264 and Opus taken, fmp4 files end in .mp4")
	}
}

func TestCodecKeyframe(t *testing.T) {
	vp8Key := []byte{0x50, 0x2d, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00}
	vp8Inter := []byte{0x51, 0x2d, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00}
	idr := []byte{0, 0, 0, 1, 0x67, 0x42, 0, 0, 0, 1, 0x68, 0xce, 0, 0, 1, 0x65, 0x88}
	nonIDR := []byte{0, 0, 0, 1, 0x41, 0x9a}
	for _, c := range []struct {
		codec *Codec
		frame []byte
		want  bool
	}{
		{VP8, vp8Key, true}, {VP8, vp8Inter, false},
		{H264, idr, true}, {H264, nonIDR, false}, {H264, nil, false},
		{Opus, []byte{0xfc}, true},
	} {
		if got := c.codec.Keyframe(c.frame); got != c.want {
			t.Errorf("%v.Keyframe(% x) = %v", c.codec, c.frame, got)
		}
	}
}
