// Package sample holds the media `webrtc-cli demo` streams: 4 s of VP8 and
// stereo Opus made by gen.sh beside this file.
package sample

import (
	_ "embed"
	"os"
	"path/filepath"
)

//go:embed demo.ivf
var video []byte

//go:embed demo.ogg
var audio []byte

// WriteTo writes the sample files into dir and returns their paths.
func WriteTo(dir string) (videoPath, audioPath string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", err
	}
	videoPath, audioPath = filepath.Join(dir, "sample.ivf"), filepath.Join(dir, "sample.ogg")
	if err := os.WriteFile(videoPath, video, 0o644); err != nil {
		return "", "", err
	}
	return videoPath, audioPath, os.WriteFile(audioPath, audio, 0o644)
}
