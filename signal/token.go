package signal

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// TokenClaims is what a join token grants: a room (or "*" for any), the
// roles allowed in it, and an expiry.
type TokenClaims struct {
	Room    string `json:"room"`
	Roles   []Role `json:"roles"`
	Expires int64  `json:"exp"` // Unix seconds
}

// MintToken signs claims with secret. The token is
// base64url(JSON claims) "." base64url(HMAC-SHA256(secret, first part)).
func MintToken(secret []byte, c TokenClaims) (string, error) {
	if len(secret) == 0 {
		return "", fmt.Errorf("%w: empty secret", ErrBadToken)
	}
	if c.Room == "" {
		return "", fmt.Errorf("%w: no room", ErrBadToken)
	}
	if c.Room != "*" && !roomName.MatchString(c.Room) {
		return "", fmt.Errorf("%w: room %q: a server refuses it (a room is 1-64 characters of A-Z a-z 0-9 . _ -, or * for any)", ErrBadToken, c.Room)
	}
	if len(c.Roles) == 0 {
		return "", fmt.Errorf("%w: no role", ErrBadToken)
	}
	if c.Expires <= time.Now().Unix() {
		return "", fmt.Errorf("%w: expired before it was minted (expiry %s)", ErrBadToken, time.Unix(c.Expires, 0).UTC().Format(time.RFC3339))
	}
	for _, r := range c.Roles {
		if !r.Valid() {
			return "", fmt.Errorf("%w: unknown role %q", ErrBadToken, r)
		}
	}
	body, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	payload := base64.RawURLEncoding.EncodeToString(body)
	return payload + "." + sign(secret, payload), nil
}

func sign(secret []byte, payload string) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// VerifyToken checks token's signature and expiry and that it admits role
// into room. The errors name the reason but never echo the token.
func VerifyToken(secret []byte, token, room string, role Role, now time.Time) error {
	payload, sig, ok := strings.Cut(token, ".")
	if !ok || payload == "" {
		return fmt.Errorf("%w: malformed", ErrBadToken)
	}
	if !hmac.Equal([]byte(sig), []byte(sign(secret, payload))) {
		return fmt.Errorf("%w: bad signature", ErrBadToken)
	}
	body, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return fmt.Errorf("%w: malformed", ErrBadToken)
	}
	var c TokenClaims
	if err := json.Unmarshal(body, &c); err != nil {
		return fmt.Errorf("%w: malformed claims", ErrBadToken)
	}
	if now.Unix() >= c.Expires {
		return ErrTokenExpired
	}
	if c.Room != "*" && c.Room != room {
		return fmt.Errorf("%w: not valid for room %q", ErrBadToken, room)
	}
	if !slices.Contains(c.Roles, role) {
		return fmt.Errorf("%w: not valid for role %q", ErrBadToken, role)
	}
	return nil
}
