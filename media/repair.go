package media

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/webrtc-cli/webrtc-cli/media/ivf"
	"github.com/webrtc-cli/webrtc-cli/media/mkv"
	"github.com/webrtc-cli/webrtc-cli/media/mp4"
)

// Repair finishes in place a recording whose recorder died (SIGKILL, a
// full disk, a power cut) and says what it did. IVF gets its duration,
// WebM and MKV their Cues and duration, MP4 its index at the front;
// each loses only a frame the crash cut in half. Ogg and H264 need
// nothing: they play and seek as they are.
func Repair(path string) (string, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return "", err
	}
	defer f.Close()
	format, err := sniff(f)
	if err != nil {
		return "", err
	}
	switch format {
	case FormatIVF:
		r, err := ivf.Repair(f)
		if err != nil || !r.Changed {
			return "complete already", err
		}
		return fmt.Sprintf("repaired: %d frames%s", r.Frames, cutOff(r.Truncated)), nil
	case FormatMKV:
		r, err := mkv.Repair(f)
		if err != nil || r.Finished {
			return "complete already", err
		}
		return fmt.Sprintf("repaired: %.2f s, %d clusters, cues and duration written%s", r.Duration.Seconds(), r.Clusters, cutOff(r.Truncated)), nil
	case FormatMP4:
		r, err := mp4.Repair(f)
		if err != nil || r.Finished {
			return "complete already", err
		}
		return fmt.Sprintf("repaired: %d samples in %d tracks, index written at the front%s", r.Samples, r.Tracks, cutOff(r.Truncated)), nil
	}
	if format == FormatH264 {
		return "nothing to repair: a raw H264 stream has no index or duration to write", nil
	}
	return "nothing to repair: Ogg plays and seeks as it is", nil
}

func cutOff(n int64) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("; %d bytes of a frame cut off by the crash removed", n)
}

// sniff tells the container by its first bytes.
func sniff(f *os.File) (Format, error) {
	var b [12]byte
	n, _ := f.ReadAt(b[:], 0)
	head := b[:n]
	switch {
	case strings.HasPrefix(string(head), "DKIF"):
		return FormatIVF, nil
	case strings.HasPrefix(string(head), "OggS"):
		return FormatOgg, nil
	case strings.HasPrefix(string(head), "\x1a\x45\xdf\xa3"):
		return FormatMKV, nil
	case n >= 8 && string(head[4:8]) == "ftyp":
		return FormatMP4, nil
	case strings.HasPrefix(string(head), "\x00\x00\x00\x01") || strings.HasPrefix(string(head), "\x00\x00\x01"):
		return FormatH264, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	return "", fmt.Errorf("not a recording: want IVF, Ogg, WebM, MKV, MP4 or H264 (%w)", ErrUnknownFormat)
}
