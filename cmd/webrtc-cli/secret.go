package main

import (
	"fmt"
	"os"
	"strings"
)

// Environment variables that hold secrets, so that they need not be on the
// command line, where ps shows them.
const (
	envTokenSecret = "WEBRTC_CLI_TOKEN_SECRET"
	envRedis       = "WEBRTC_CLI_REDIS"
	envToken       = "WEBRTC_CLI_TOKEN"
)

// secret resolves a secret flag's value: @FILE reads the file (one line;
// the trailing newline is dropped), an empty value falls back to the
// environment variable env. Errors name the flag, never the secret.
func secret(flag, value, env string) (string, error) {
	if value == "" {
		return os.Getenv(env), nil
	}
	path, ok := strings.CutPrefix(value, "@")
	if !ok {
		return value, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("--%s @FILE: %w", flag, err)
	}
	s := strings.TrimRight(string(b), "\r\n")
	if s == "" || strings.ContainsAny(s, "\r\n") {
		return "", fmt.Errorf("--%s @%s: want the secret alone on one line", flag, path)
	}
	return s, nil
}
