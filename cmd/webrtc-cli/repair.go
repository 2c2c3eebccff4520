package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/webrtc-cli/webrtc-cli/media"
)

func newRepairCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "repair FILE...",
		Short: "Finish recordings a killed receive left: duration, index, a cut-off last frame",
		Long: `repair finishes, in place, recordings whose receive was killed (SIGKILL, a
full disk, a power cut): IVF gets its duration, WebM and MKV their cues and
duration, MP4 its index at the front; a frame the crash cut in half is
removed. Everything before it was already playable; repair makes the file
seekable with the right duration. Ogg and H264 need nothing. A finished file
is left as it is, so running it twice is harmless.`,
		Example: `  webrtc-cli repair rec/cam/recording.mp4
  webrtc-cli repair rec/*/*`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{fmt.Errorf("give the recordings to repair: webrtc-cli repair FILE...")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			failed := 0
			for _, path := range args {
				what, err := media.Repair(path)
				if err != nil {
					failed++
					fmt.Fprintf(g.stdout, "%s: %v\n", path, err)
					continue
				}
				fmt.Fprintf(g.stdout, "%s: %s\n", path, what)
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d files could not be repaired", failed, len(args))
			}
			return nil
		},
	}
}
