package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = ""

// versionString is the version both `version` and `--version` print.
func versionString() string {
	if version != "" {
		return version
	}
	bi, _ := debug.ReadBuildInfo()
	return formatBuildInfo(bi)
}

// formatBuildInfo names the build: the module version of a `go install
// module@version` build, else, for a build from a checkout (whose module
// version is "(devel)"), the VCS revision and commit time that the go
// command stamps, so that a bug report says which commit it came from.
// "+dirty" marks a build with uncommitted changes. Without either it is
// "devel" (go test and -buildvcs=false builds carry no VCS data).
func formatBuildInfo(bi *debug.BuildInfo) string {
	if bi == nil {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, when, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev == "" {
		return "devel"
	}
	out := "devel " + rev[:min(12, len(rev))] + dirty
	if when != "" {
		out += " " + when
	}
	return out
}

func newVersionCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version",
		Example: "  webrtc-cli version\n  webrtc-cli --version",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(g.stdout, "webrtc-cli", versionString())
			return nil
		},
	}
}
