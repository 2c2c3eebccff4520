package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

type tokenOptions struct {
	secret string
	room   string
	roles  []string
	ttl    time.Duration
}

func newTokenCmd(g *globalOptions) *cobra.Command {
	o := &tokenOptions{}
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Mint a join token for a server started with --token-secret",
		Example: `  webrtc-cli token --secret @secret.txt --room demo --role sender --ttl 1h
  WEBRTC_CLI_TOKEN_SECRET=... webrtc-cli token --room demo
  webrtc-cli token --secret "$SECRET" --room '*' --role sender --role receiver`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if o.secret, err = secret("secret", o.secret, envTokenSecret); err != nil {
				return err
			}
			switch {
			case o.secret == "" && o.room == "":
				return usageError{fmt.Errorf("--secret and --room are required")}
			case o.secret == "":
				return usageError{fmt.Errorf("--secret is required: the server's --token-secret")}
			case o.room == "":
				return usageError{fmt.Errorf("--room is required: a room name, or '*' for any")}
			case o.ttl <= 0:
				return usageError{fmt.Errorf("--ttl %v: want a positive duration, e.g. 1h", o.ttl)}
			}
			claims := signal.TokenClaims{Room: o.room, Expires: time.Now().Add(o.ttl).Unix()}
			for _, r := range o.roles {
				claims.Roles = append(claims.Roles, signal.Role(r))
			}
			tok, err := signal.MintToken([]byte(o.secret), claims)
			if err != nil {
				return usageError{err}
			}
			fmt.Fprintln(g.stdout, tok)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.secret, "secret", "", "the server's --token-secret; @FILE reads it from FILE (default $"+envTokenSecret+")")
	f.StringVar(&o.room, "room", "", "room the token admits, or * for any")
	f.StringSliceVar(&o.roles, "role", []string{"sender", "receiver", "peer"}, "roles the token admits (repeatable)")
	f.DurationVar(&o.ttl, "ttl", time.Hour, "how long the token is valid")
	return cmd
}
