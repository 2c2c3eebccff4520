package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"
	"github.com/webrtc-cli/webrtc-cli/app"
	"github.com/webrtc-cli/webrtc-cli/media"
	"github.com/webrtc-cli/webrtc-cli/media/capture"
	"github.com/webrtc-cli/webrtc-cli/media/h264"
)

type sendOptions struct {
	peerFlags
	whip      whipFlags
	files     []string
	format    string
	loop      bool
	receivers int
	report    string
	capture   capture.Config
	listDevs  bool
}

func newSendCmd(g *globalOptions) *cobra.Command {
	o := &sendOptions{}
	cmd := &cobra.Command{
		Use:   "send --file FILE [--file FILE]",
		Short: "Stream media files to every receiver in a room, a WHIP endpoint or WHEP viewers",
		Long: `send streams IVF (VP8, VP9, AV1), Annex-B H264 and Ogg Opus files, paced by their own
timestamps, to every receiver of the room, each from its first frame. One
video and one audio file go out together as two tracks of one connection.
It says bye to a receiver once that receiver has the whole file.

With --whip URL it publishes to a WHIP endpoint instead (OBS-style ingest,
RFC 9725) and ends the session with DELETE when the media is done; with
--whep-listen ADDR it is a WHEP endpoint at http://ADDR/whep, and every
viewer gets its own playback.`,
		Example: `  webrtc-cli send --room demo --file video.ivf --file audio.ogg
  webrtc-cli send --file clip.ivf --receivers 2 --report send.json
  webrtc-cli send --device /dev/video0 --audio-device default --size 1280x720
  webrtc-cli send --ffmpeg-input "-re -f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i sine"
  ffmpeg -i in.mp4 -c:v libvpx -f ivf - | webrtc-cli send --file -
  webrtc-cli send --server wss://a.example.org/ws,wss://b.example.org/ws --token "$TOKEN" --file a.ogg --loop
  webrtc-cli send --whip https://ingest.example.org/whip --bearer @token.txt --file v.h264 --file a.ogg
  webrtc-cli send --whep-listen :8081 --file v.ivf --file a.ogg --receivers 1`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.listDevs {
				out, err := capture.ListDevices(cmd.Context(), o.capture.FFmpeg, "")
				fmt.Fprint(g.stdout, out)
				return err
			}
			live := o.capture.Device != "" || o.capture.AudioDevice != "" || o.capture.Input != ""
			switch {
			case live && len(o.files) > 0:
				return usageError{fmt.Errorf("--file and a capture (--device, --audio-device, --ffmpeg-input) exclude each other")}
			case !live && len(o.files) == 0:
				return usageError{fmt.Errorf("--file (or --device, --ffmpeg-input) is required")}
			}
			sc, w, no, err := o.whip.peerConfig(&o.peerFlags, cmd.Flags().Changed, g.stderr)
			if err != nil {
				return err
			}
			cfg := app.SendConfig{Signal: sc, WHIP: w, Net: no, Files: o.files, Loop: o.loop, Receivers: o.receivers, Logger: g.logger}
			if o.capture.FPS > 0 {
				cfg.FPS = h264.Rational{Num: uint32(o.capture.FPS), Den: 1}
			}
			piped := slices.Contains(o.files, "-")
			if o.format != "" && o.format != "auto" {
				cfg.Format, err = media.ParseFormat(o.format)
				if err != nil || cfg.Format.Muxed() {
					return usageError{fmt.Errorf("--format %q: want ivf, ogg, h264 or auto (the format of --file -)", o.format)}
				}
				if !piped {
					return usageError{fmt.Errorf("--format %s is the format of standard input, and no --file is -", o.format)}
				}
			}
			if piped && o.loop {
				return usageError{fmt.Errorf("--loop cannot repeat standard input (--file -)")}
			}
			if live {
				o.capture.Logger = g.logger
				cfg.Capture = &o.capture
			}
			status := newStatusLine(g.stderr, g.logger)
			cfg.Progress = func(s app.SendStatus) { status.show(s.String()) }
			rep, err := app.Send(cmd.Context(), cfg)
			status.done()
			if rep != nil && o.report != "" {
				if werr := rep.WriteFile(o.report); werr != nil && err == nil {
					err = fmt.Errorf("writing the report: %w", werr)
				}
			}
			if err == nil && rep != nil {
				g.logger.Info("send finished", "tracks", len(rep.Inputs), "receivers", rep.Peers(), "elapsed", rep.Finished.Sub(rep.Started).Round(time.Millisecond))
			}
			return err
		},
	}
	f := cmd.Flags()
	o.register(f, "webrtc-cli-send")
	o.whip.register(f, "whip", "whep-listen")
	f.StringArrayVar(&o.files, "file", nil, "IVF (VP8, VP9, AV1), Annex-B H264 or Ogg Opus file to send (repeatable: one video, one audio); - reads standard input (then all files are one playback shared by every receiver)")
	f.StringVar(&o.format, "format", "auto", "format of --file -: ivf, ogg, h264 or auto")
	f.StringVar(&o.capture.Device, "device", "", "capture this camera through ffmpeg (/dev/video0, 0 on macOS, a dshow name on Windows)")
	f.StringVar(&o.capture.AudioDevice, "audio-device", "", "capture this microphone (ALSA name, pulse:NAME, :0 on macOS, a dshow name)")
	f.StringVar(&o.capture.Input, "ffmpeg-input", "", `any ffmpeg input instead of a device, e.g. "-re -f lavfi -i testsrc2 -f lavfi -i sine" (a second -i is the audio)`)
	f.StringVar(&o.capture.Codec, "codec", "vp8", "video codec for a capture: vp8, vp9, av1 or h264")
	f.StringVar(&o.capture.Size, "size", "", "capture size WxH, e.g. 1280x720")
	f.IntVar(&o.capture.FPS, "fps", 0, "frame rate of a capture (default 30), or of an H264 file whose SPS has no timing")
	f.StringVar(&o.capture.Bitrate, "bitrate", "1M", "capture video bitrate")
	f.IntVar(&o.capture.Keyint, "keyint", 0, "frames between keyframes of a capture (default: one second)")
	f.StringVar(&o.capture.FFmpeg, "ffmpeg", "ffmpeg", "ffmpeg binary for captures")
	f.BoolVar(&o.listDevs, "list-devices", false, "list capture devices and exit")
	f.BoolVar(&o.loop, "loop", false, "repeat the files with continuous timestamps")
	f.IntVar(&o.receivers, "receivers", 0, "exit after this many receivers have the whole file (0: serve until interrupted)")
	f.StringVar(&o.report, "report", "", "write a JSON summary per receiver and track to this file at exit")
	return cmd
}
