package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/webrtc-cli/webrtc-cli/app"
	"github.com/webrtc-cli/webrtc-cli/media/synth"
)

type loadOptions struct {
	peer        peerFlags
	rooms       int
	whip, whep  string
	bearer      string
	publishers  int
	subscribers int
	duration    time.Duration
	files       []string
	synthetic   string
	ramp        string
	jsonOut     string
	maxLoss     string
	maxFirst    time.Duration
	maxFreeze   float64
}

func newLoadTestCmd(g *globalOptions) *cobra.Command {
	o := &loadOptions{}
	cmd := &cobra.Command{
		Use:   "loadtest",
		Short: "Load a WebRTC service with publishers and subscribers, and measure it",
		Long: `loadtest runs publishers and subscribers in this process against a signaling
server (the rooms of 'serve', or anything speaking its protocol) or against
WHIP and WHEP endpoints, prints a live table once a second, and a summary
at the end: tracks received, loss after retransmission, NACKs, PLIs,
freezes, join → first frame and send → frame latency, and its own CPU.

With --max-loss, --max-first-frame or --max-freeze-rate it exits 1 when a
limit is exceeded (and always when a track received no media), for CI.`,
		Example: `  webrtc-cli loadtest --server ws://127.0.0.1:8080/ws --room load --publishers 2 --subscribers 50 --synthetic 1M --duration 1m
  webrtc-cli loadtest --server wss://rtc.example.org/ws --rooms 10 --publishers 10 --subscribers 100 --file video.ivf --file audio.ogg --ramp 20/s --json load.json
  webrtc-cli loadtest --whip http://sfu:8080/whip --whep http://sfu:8080/whep --publishers 1 --subscribers 200 --synthetic 2M --max-loss 1% --max-first-frame 2s`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, limits, err := o.config(cmd.Flags().Changed)
			if err != nil {
				return err
			}
			cfg.Table, cfg.Logger = g.stdout, g.logger
			rep, err := app.LoadTest(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			rep.WriteSummary(g.stdout)
			if o.jsonOut != "" {
				if err := writeJSON(o.jsonOut, rep); err != nil {
					return err
				}
			}
			if f := rep.Failures(limits); len(f) > 0 {
				return fmt.Errorf("load test failed: %s", strings.Join(f, "; "))
			}
			return nil
		},
	}
	f := cmd.Flags()
	o.peer.register(f, "")
	f.MarkHidden("name")
	f.MarkHidden("reconnect-timeout")
	f.Lookup("room").DefValue, o.peer.room = "load", "load"
	f.Lookup("room").Usage = "room to load; with --rooms K, the prefix of ROOM-1…ROOM-K"
	f.IntVar(&o.rooms, "rooms", 1, "spread publishers and subscribers over this many rooms")
	f.StringVar(&o.whip, "whip", "", "WHIP endpoint URL publishers POST to, instead of --server (with --whep)")
	f.StringVar(&o.whep, "whep", "", "WHEP endpoint URL subscribers play from (with --whip)")
	f.StringVar(&o.bearer, "bearer", "", "bearer token of the WHIP/WHEP endpoints; @FILE reads it from FILE (default $"+envBearer+")")
	f.IntVar(&o.publishers, "publishers", 1, "publishers")
	f.IntVar(&o.subscribers, "subscribers", 10, "subscribers (each receives every publisher of its room)")
	f.DurationVar(&o.duration, "duration", time.Minute, "how long the load runs")
	f.StringArrayVar(&o.files, "file", nil, "what each publisher sends, looped: at most one video and one audio file")
	f.StringVar(&o.synthetic, "synthetic", "", "instead of --file: generated VP8 video of this bitrate (e.g. 1M, 500k) and silent Opus; no encoder, little CPU")
	f.StringVar(&o.ramp, "ramp", "0", "peers started per second, e.g. 10/s (0: all at once)")
	f.StringVar(&o.jsonOut, "json", "", "write the summary and every track's figures to this file as JSON")
	f.StringVar(&o.maxLoss, "max-loss", "", "fail when loss after retransmission is over this, e.g. 1% or 0.01")
	f.DurationVar(&o.maxFirst, "max-first-frame", 0, "fail when join → first frame p95 is over this, e.g. 2s")
	f.Float64Var(&o.maxFreeze, "max-freeze-rate", 0, "fail when there are more freezes (>500 ms) per video track-minute than this")
	return cmd
}

func (o *loadOptions) config(changed func(string) bool) (app.LoadConfig, app.LoadLimits, error) {
	var cfg app.LoadConfig
	var limits app.LoadLimits
	usage := func(format string, a ...any) (app.LoadConfig, app.LoadLimits, error) {
		return cfg, limits, usageError{fmt.Errorf(format, a...)}
	}
	switch {
	case o.publishers < 1 || o.subscribers < 0:
		return usage("--publishers must be at least 1 and --subscribers at least 0")
	case o.duration <= 0:
		return usage("--duration %v: want a positive duration, e.g. 1m", o.duration)
	case o.rooms < 1:
		return usage("--rooms must be at least 1")
	case (len(o.files) > 0) == (o.synthetic != ""):
		return usage("give --file (one video and/or one audio file) or --synthetic RATE, one of the two")
	case (o.whip == "") != (o.whep == ""):
		return usage("--whip and --whep go together: publishers POST to one, subscribers play from the other")
	case o.whip != "" && (changed("server") || changed("room") || changed("rooms") || changed("token")):
		return usage("--server, --room, --rooms and --token are for rooms; --whip/--whep need none")
	case o.whip == "" && changed("bearer"):
		return usage("--bearer goes with --whip and --whep")
	case o.maxFirst < 0 || o.maxFreeze < 0:
		return usage("--max-first-frame and --max-freeze-rate must not be negative")
	}
	var err error
	if limits.MaxLoss, err = parseFraction(o.maxLoss); err != nil {
		return usage("--max-loss %w", err)
	}
	limits.MaxFirstFrame, limits.MaxFreezeRate = o.maxFirst, o.maxFreeze
	if cfg.Ramp, err = parsePerSecond(o.ramp); err != nil {
		return usage("--ramp %w", err)
	}
	if o.synthetic != "" {
		bps, err := parseBitrate(o.synthetic)
		if err != nil || bps < 30_000 {
			return usage("--synthetic %q: want a bitrate of at least 30k, e.g. 1M", o.synthetic)
		}
		cfg.Synthetic = &synth.Config{Bitrate: int(bps)}
	}
	cfg.Files, cfg.Rooms, cfg.Publishers, cfg.Subscribers, cfg.Duration = o.files, o.rooms, o.publishers, o.subscribers, o.duration
	if cfg.Net, err = o.peer.netConfig(); err != nil {
		return cfg, limits, err
	}
	if o.whip != "" {
		for name, u := range map[string]string{"whip": o.whip, "whep": o.whep} {
			if pu, err := url.Parse(u); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
				return usage("--%s %q: want http:// or https://HOST/PATH", name, u)
			}
		}
		cfg.WHIP, cfg.WHEP = o.whip, o.whep
		if cfg.Bearer, err = secret("bearer", o.bearer, envBearer); err != nil {
			return cfg, limits, err
		}
		cfg.HTTP, err = o.peer.httpClient()
		return cfg, limits, err
	}
	cfg.Signal, err = o.peer.signalConfig()
	cfg.Signal.Name = ""
	return cfg, limits, err
}

// parseFraction takes "1%" or "0.01"; "" is 0 (no limit).
func parseFraction(s string) (float64, error) {
	if s == "" {
		return 0, nil
	}
	v, pct := strings.CutSuffix(strings.TrimSpace(s), "%")
	f, err := strconv.ParseFloat(v, 64)
	if pct {
		f /= 100
	}
	if err != nil || f < 0 || f > 1 {
		return 0, fmt.Errorf("%q: want a fraction like 1%% or 0.01", s)
	}
	return f, nil
}

// parsePerSecond takes "10/s", "10" or "0".
func parsePerSecond(s string) (float64, error) {
	v, _ := strings.CutSuffix(strings.TrimSpace(s), "/s")
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("%q: want peers per second, e.g. 10/s (0: all at once)", s)
	}
	return f, nil
}

// writeJSON writes v to path, indented.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
