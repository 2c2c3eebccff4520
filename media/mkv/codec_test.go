package mkv

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

func TestAppendAVC(t *testing.T) {
	avc := appendAVC(nil, [][]byte{{0x09, 0xf0}, {0x65}})
	if want := []byte{0, 0, 0, 2, 0x09, 0xf0, 0, 0, 0, 1, 0x65}; !bytes.Equal(avc, want) {
		t.Errorf("appendAVC = %x, want %x", avc, want)
	}
}

// TestDecoderConfigMatchesFFmpeg compares the avcC and av1C the Writer
// builds with the ones ffmpeg writes when it remuxes the same stream, and
// checks the picture sizes read from SPS with cropping, high profiles and
// odd sizes.
func TestDecoderConfigMatchesFFmpeg(t *testing.T) {
	ff := requireTool(t, "ffmpeg")
	dir := t.TempDir()
	remux := func(src, ext string) *parsed {
		out := filepath.Join(dir, "ffmpeg"+ext)
		if msg, err := exec.Command(ff, "-nostdin", "-v", "error", "-y", "-i", src, "-c", "copy", out).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg remux: %v\n%s", err, msg)
		}
		return readBack(t, out)
	}
	encode := func(name, size string, args ...string) string {
		out := filepath.Join(dir, name)
		a := append([]string{"-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=" + size + ":rate=30:duration=0.5"}, args...)
		if msg, err := exec.Command(ff, append(a, out)...).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg encode: %v\n%s", err, msg)
		}
		return out
	}
	h264, _ := h264Clip(t)
	for _, c := range []struct {
		name, codec, src string
	}{
		{"clip", "H264", h264},
		{"high 4:2:0 odd size", "H264", encode("high.h264", "202x114", "-c:v", "libx264", "-profile:v", "high", "-bf", "0")},
		{"high 4:4:4", "H264", encode("444.h264", "96x64", "-c:v", "libx264", "-pix_fmt", "yuv444p", "-bf", "0")},
		{"interlaced", "H264", encode("tff.h264", "160x120", "-c:v", "libx264", "-flags", "+ildct+ilme", "-bf", "0")},
		{"av1", "AV1", mediatest.Testdata("av1.ivf")},
		{"av1 10-bit 4:4:4", "AV1", encode("av1.ivf", "64x48", "-c:v", "libaom-av1", "-pix_fmt", "yuv444p10le", "-cpu-used", "8", "-usage", "realtime", "-g", "5")},
	} {
		t.Run(c.name, func(t *testing.T) {
			want := remux(c.src, ".mkv").Segment.Tracks.TrackEntry[0]
			var frames []frame
			if c.codec == "H264" {
				frames = annexBFrames(t, c.src)
			} else {
				frames = ivfFramesOf(t, mediatest.ReadFile(t, c.src))
			}
			path := writeFile(t, "out.mkv", false, []TrackSpec{{CodecID: idOf(c.codec)}}, frames[:1])
			got := readBack(t, path).Segment.Tracks.TrackEntry[0]
			if !bytes.Equal(got.CodecPrivate, want.CodecPrivate) {
				t.Errorf("CodecPrivate\n%x, ffmpeg writes\n%x", got.CodecPrivate, want.CodecPrivate)
			}
			width, height := sourceSize(t, c.src)
			if v := got.Video; v.PixelWidth != uint64(width) || v.PixelHeight != uint64(height) {
				t.Errorf("size %dx%d, ffprobe says %dx%d", v.PixelWidth, v.PixelHeight, width, height)
			}
		})
	}
}
