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
	"github.com/spf13/pflag"
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
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "webrtc-cli: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) || strings.HasPrefix(err.Error(), "unknown command") {
		// Flag errors already point to the command's own --help; a second,
		// more generic pointer would only add noise.
		if !strings.Contains(err.Error(), " --help'") {
			fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
		}
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
		// Version gives the root a --version flag that prints the same line
		// as the version command.
		Version:       versionString(),
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
	root.SetVersionTemplate("webrtc-cli {{.Version}}\n")
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(newServeCmd(g), newSendCmd(g), newReceiveCmd(g), newDemoCmd(g), newTokenCmd(g), newVersionCmd(g))
	root.AddCommand(newICECheckCmd(g))
	root.AddCommand(newLoadTestCmd(g))
	root.AddCommand(newRepairCmd(g))

	// cobra's own completion command, given the example every command has.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Example = `  source <(webrtc-cli completion bash)
  webrtc-cli completion zsh > "${fpath[1]}/_webrtc-cli"
  webrtc-cli completion fish > ~/.config/fish/completions/webrtc-cli.fish`
		}
	}
	return root
}

// flagError makes a flag parsing error a usage error that suggests the
// nearest flag for a typo and points to the command's help, since pflag's
// bare "unknown flag: --fil" leaves the user guessing.
func flagError(cmd *cobra.Command, err error) error {
	var ne *pflag.NotExistError
	// Shorthands are single letters: any other letter is within distance
	// 2, so a suggestion would be noise.
	if errors.As(err, &ne) && ne.GetSpecifiedShortnames() == "" {
		if s := suggestFlag(cmd, ne.GetSpecifiedName()); s != "" {
			err = fmt.Errorf("%w (did you mean --%s?)", err, s)
		}
	}
	return usageError{fmt.Errorf("%w; see '%s --help'", err, cmd.CommandPath())}
}

// suggestFlag returns the visible flag of cmd, local or inherited, nearest
// to name within Levenshtein distance 2, or "". Ties go to the flag that
// sorts first so the suggestion is stable.
func suggestFlag(cmd *cobra.Command, name string) string {
	best, bestDist := "", 3
	// A distance as long as the name itself means nothing was shared,
	// e.g. "--x" against "--ca".
	if len(name) < bestDist {
		bestDist = len(name)
	}
	consider := func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		if d := levenshtein(name, f.Name); d < bestDist || (d == bestDist && d < 3 && f.Name < best) {
			best, bestDist = f.Name, d
		}
	}
	cmd.Flags().VisitAll(consider)
	cmd.InheritedFlags().VisitAll(consider)
	return best
}

// levenshtein is the edit distance between a and b, in bytes: flag names
// are ASCII.
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
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
