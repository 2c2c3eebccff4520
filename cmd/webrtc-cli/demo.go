package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/webrtc-cli/webrtc-cli/app"
)

func newDemoCmd(g *globalOptions) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run a server, a receiver and a sender on loopback and check every frame",
		Long: `demo streams a sample embedded in the binary (4 s of VP8 and Opus) from an
in-process sender to an in-process receiver through an in-process server,
writes the recordings to --dir, and compares them with the source.`,
		Example: "  webrtc-cli demo\n  go run ./cmd/webrtc-cli demo --dir /tmp/demo",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(g.stdout, "streaming the sample over WebRTC on loopback (about 5 s)...\n")
			log := g.logger
			if !cmd.Flags().Changed("log-level") {
				// The demo prints its own summary; routine logs would bury it.
				log, _ = newLogger(g.stderr, "warn", g.logFormat)
			}
			res, err := app.Demo(cmd.Context(), dir, log)
			if errors.Is(err, app.ErrInterrupted) {
				// SIGINT is a clean stop, as for every command.
				fmt.Fprintf(g.stdout, "interrupted; nothing was compared\n")
				return nil
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "time to first frame: %s\n", res.TimeToFirstFrame.Round(100*time.Microsecond))
			for _, t := range res.Tracks {
				fmt.Fprintf(g.stdout, "%s %s: %d sent, %d received, %d identical -> %s\n",
					t.Kind, t.Codec, t.Source, t.Recorded, t.Identical, t.RecordingFile)
			}
			if !res.Identical() {
				return errors.New("the recording differs from the source")
			}
			fmt.Fprintf(g.stdout, "every frame identical. Play them: ffplay %s\n", res.Tracks[0].RecordingFile)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "webrtc-cli-demo", "where to write the sample and the recordings")
	return cmd
}
