package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/webrtc-cli/webrtc-cli/app"
	"github.com/webrtc-cli/webrtc-cli/media"
)

type receiveOptions struct {
	peerFlags
	whip     whipFlags
	out      string
	duration time.Duration
	count    int
	maxDelay time.Duration
	report   string
	kind     string
	format   string
}

func newReceiveCmd(g *globalOptions) *cobra.Command {
	o := &receiveOptions{}
	cmd := &cobra.Command{
		Use:   "receive --out DIR",
		Short: "Record every track of every sender in a room, a WHEP stream or WHIP publishers",
		Long: `receive writes every incoming track of every sender of the room to
DIR/<sender>/<track>.ivf (VP8, VP9, AV1), .h264 (Annex-B) or .ogg (Opus),
without re-encoding; with --format webm|mkv, one file per sender instead.
Lost packets are recovered with NACK; a frame that cannot be recovered is
never written: the file resumes at the next keyframe. Files are finalized
when the sender ends its tracks (RTCP BYE), says bye or leaves, at --duration,
and on SIGINT/SIGTERM.

With --whep URL it plays from a WHEP endpoint instead, and ends when the
server ends the session; with --whip-listen ADDR it is a WHIP endpoint at
http://ADDR/whip (OBS: Service WHIP, Server http://ADDR/whip) and records
every publisher, in DIR/<NAME> for http://ADDR/whip/NAME.`,
		Example: `  webrtc-cli receive --room demo --out recordings/
  webrtc-cli receive --out rec/ --count 1 --report receive.json
  webrtc-cli receive --out rec/ --duration 30s
  webrtc-cli receive --server wss://a.example.org/ws --server wss://b.example.org/ws --room demo --out rec/
  webrtc-cli receive --out rec/ --format webm
  webrtc-cli receive --out - --track video | ffplay -
  webrtc-cli receive --out - --format webm | ffplay -
  webrtc-cli receive --whep https://live.example.org/whep/stream --out rec/ --duration 1m
  webrtc-cli receive --whip-listen :8081 --bearer @token.txt --out rec/ --count 1`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.out == "" {
				return usageError{fmt.Errorf("--out is required")}
			}
			sc, w, no, err := o.whip.peerConfig(&o.peerFlags, cmd.Flags().Changed, g.stderr)
			if err != nil {
				return err
			}
			status := newStatusLine(g.stderr, g.logger)
			listing := g.stdout
			cfg := app.ReceiveConfig{
				Signal: sc, WHIP: w, Net: no, Out: o.out, Duration: o.duration, Count: o.count, MaxDelay: o.maxDelay,
				Logger:   g.logger,
				Progress: func(s app.ReceiveStatus) { status.show(s.String()) },
			}
			if o.format != "" {
				f, err := media.ParseFormat(o.format)
				if err != nil || !f.Muxed() {
					return usageError{fmt.Errorf("--format %q: want webm, mkv, mp4 or fmp4", o.format)}
				}
				cfg.Format = f
			}
			if o.kind != "" && o.kind != "video" && o.kind != "audio" {
				return usageError{fmt.Errorf("--track %q: want video or audio", o.kind)}
			}
			if o.kind != "" && (o.out != "-" || o.format != "") {
				return usageError{fmt.Errorf("--track chooses the one track of --out - without --format (a WebM/MKV stream holds every track)")}
			}
			if o.out == "-" {
				// The media goes to standard output; nothing else may.
				cfg.Stdout, cfg.StdoutKind, cfg.Out, listing = g.stdout, o.kind, "", g.stderr
			}
			cfg.OnFile = func(path string, t *app.TrackReport) {
				status.done()
				line := fmt.Sprintf("%s\t%d frames\t%s", path, t.Frames, t.Codec)
				if t.Incomplete != "" {
					line += "\tincomplete: " + t.Incomplete
				}
				fmt.Fprintln(listing, line)
			}
			rep, err := app.Receive(cmd.Context(), cfg)
			status.done()
			if err == nil && rep != nil && len(rep.Tracks) == 0 {
				fmt.Fprintln(g.stderr, "nothing recorded")
			}
			if rep != nil && o.report != "" {
				if werr := rep.WriteFile(o.report); werr != nil && err == nil {
					err = fmt.Errorf("writing the report: %w", werr)
				}
			}
			return err
		},
	}
	f := cmd.Flags()
	o.register(f, "webrtc-cli-receive")
	o.whip.register(f, "whep", "whip-listen")
	f.StringVar(&o.out, "out", "", "directory for the recordings; - writes one track to standard output")
	f.StringVar(&o.format, "format", "", "webm, mkv, mp4 or fmp4: one file per sender with its video and audio (mkv and mp4 also take H264, mp4 not VP8; fmp4 stays fragmented); default a file per track")
	f.StringVar(&o.kind, "track", "", "with --out -: which track, video or audio (default: the first)")
	f.DurationVar(&o.duration, "duration", 0, "stop after this long (0: until interrupted)")
	f.IntVar(&o.count, "count", 0, "exit after this many complete recordings (senders that said bye)")
	f.DurationVar(&o.maxDelay, "max-delay", 500*time.Millisecond, "how long to wait for a lost packet's retransmission")
	f.StringVar(&o.report, "report", "", "write a JSON summary per sender and track to this file at exit")
	return cmd
}
