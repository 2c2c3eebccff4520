package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	exitOK    = 0 // success, including a clean stop on SIGINT/SIGTERM
	exitError = 1 // the command failed
	exitUsage = 2 // bad flags or arguments
)

type usageError struct{ error }

// globalOptions are the flags every command has.
type globalOptions struct {
	logLevel  string
	logFormat string
	logger    *slog.Logger
	stdout    io.Writer
	stderr    io.Writer
}

// run executes the command line and returns the process exit code. Errors
// are printed here, once.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	root := newRootCmd(&globalOptions{stdout: stdout, stderr: stderr})
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "webrtc-cli: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) || strings.HasPrefix(err.Error(), "unknown command") {
		fmt.Fprintln(stderr, "Run 'webrtc-cli --help' for usage.")
		return exitUsage
	}
	return exitError
}

func newRootCmd(g *globalOptions) *cobra.Command {
	root := &cobra.Command{
		Use:   "webrtc-cli",
		Short: "A command-line WebRTC peer: signaling server, headless sender and recorder",
		Long: `webrtc-cli streams media files to WebRTC peers and records what they send,
without re-encoding, through its own signaling server.

Exit codes: 0 success (also after a clean stop on SIGINT/SIGTERM),
1 failure, 2 bad flags or arguments.`,
		Example: `  webrtc-cli serve
  webrtc-cli receive --room demo --out recordings/
  webrtc-cli send --room demo --file video.ivf --file audio.ogg`,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			l, err := newLogger(g.stderr, g.logLevel, g.logFormat)
			if err != nil {
				return usageError{err}
			}
			g.logger = l
			return nil
		},
	}
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	root.PersistentFlags().StringVar(&g.logFormat, "log-format", "text", "log format: text or json")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newServeCmd(g), newSendCmd(g), newReceiveCmd(g), newDemoCmd(g), newTokenCmd(g), newVersionCmd(g))
	return root
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

// noArgs refuses positional arguments as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("%s takes no arguments, got %q", cmd.CommandPath(), args)}
	}
	return nil
}
