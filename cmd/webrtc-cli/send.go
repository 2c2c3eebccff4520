package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/webrtc-cli/webrtc-cli/peer"
)

type sendOptions struct {
	peerFlags
	files     []string
	loop      bool
	receivers int
	report    string
}

func newSendCmd(g *globalOptions) *cobra.Command {
	o := &sendOptions{}
	cmd := &cobra.Command{
		Use:   "send --file FILE [--file FILE]",
		Short: "Stream media files to every receiver in a room",
		Long: `send streams IVF (VP8, VP9, AV1) and Ogg Opus files, paced by their own
timestamps, to every receiver of the room, each from its first frame. One
video and one audio file go out together as two tracks of one connection.
It says bye to a receiver once that receiver has the whole file.`,
		Example: `  webrtc-cli send --room demo --file video.ivf --file audio.ogg
  webrtc-cli send --file clip.ivf --receivers 2 --report send.json
  webrtc-cli send --server wss://signal.example.org/ws --token "$TOKEN" --file a.ogg --loop`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(o.files) == 0 {
				return usageError{fmt.Errorf("--file is required")}
			}
			sc, no, err := o.config()
			if err != nil {
				return err
			}
			status := newStatusLine(g.stderr, g.logger)
			rep, err := peer.Send(cmd.Context(), peer.SendConfig{
				Signal: sc, Net: no, Files: o.files, Loop: o.loop, Receivers: o.receivers,
				Logger: g.logger, Progress: func(s peer.SendStatus) { status.show(s.String()) },
			})
			status.done()
			if rep != nil && o.report != "" {
				if werr := rep.WriteFile(o.report); werr != nil && err == nil {
					err = fmt.Errorf("writing the report: %w", werr)
				}
			}
			if err == nil && rep != nil {
				g.logger.Info("send finished", "tracks", len(rep.Tracks), "elapsed", rep.Finished.Sub(rep.Started).Round(time.Millisecond))
			}
			return err
		},
	}
	f := cmd.Flags()
	o.register(f, "webrtc-cli-send")
	f.StringArrayVar(&o.files, "file", nil, "IVF or Ogg Opus file to send (repeatable: one video, one audio)")
	f.BoolVar(&o.loop, "loop", false, "repeat the files with continuous timestamps")
	f.IntVar(&o.receivers, "receivers", 0, "exit after this many receivers have the whole file (0: serve until interrupted)")
	f.StringVar(&o.report, "report", "", "write a JSON summary per receiver and track to this file at exit")
	return cmd
}
