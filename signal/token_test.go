package signal

import (
	"errors"
	"testing"
	"time"
)

func TestTokenVerify(t *testing.T) {
	secret := []byte("s3cret")
	now := time.Unix(1_800_000_000, 0)
	mint := func(c TokenClaims) string {
		tok, err := MintToken(secret, c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := mint(TokenClaims{Room: "r", Roles: []Role{RoleSender}, Expires: now.Add(time.Hour).Unix()})
	any := mint(TokenClaims{Room: "*", Roles: []Role{RoleSender, RoleReceiver}, Expires: now.Add(time.Hour).Unix()})
	cases := []struct {
		name  string
		token string
		room  string
		role  Role
		want  error
	}{
		{"valid", good, "r", RoleSender, nil},
		{"any room", any, "zzz", RoleReceiver, nil},
		{"wrong room", good, "other", RoleSender, ErrBadToken},
		{"wrong role", good, "r", RoleReceiver, ErrBadToken},
		{"expired", mint(TokenClaims{Room: "r", Roles: []Role{RoleSender}, Expires: now.Unix()}), "r", RoleSender, ErrTokenExpired},
		{"empty", "", "r", RoleSender, ErrBadToken},
		{"garbage", "abc", "r", RoleSender, ErrBadToken},
		{"tampered", "x" + good[1:], "r", RoleSender, ErrBadToken},
		{"other secret", func() string {
			tok, _ := MintToken([]byte("other"), TokenClaims{Room: "r", Roles: []Role{RoleSender}, Expires: now.Add(time.Hour).Unix()})
			return tok
		}(), "r", RoleSender, ErrBadToken},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyToken(secret, tc.token, tc.room, tc.role, now)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := MintToken(nil, TokenClaims{Room: "r"}); err == nil {
		t.Fatal("minted with an empty secret")
	}
	if _, err := MintToken(secret, TokenClaims{Room: "r", Roles: []Role{"king"}}); err == nil {
		t.Fatal("minted an unknown role")
	}
}

func TestServerTokens(t *testing.T) {
	secret := []byte("k")
	_, url := testServer(t, ServerConfig{TokenSecret: secret})
	tok, _ := MintToken(secret, TokenClaims{Room: "r", Roles: []Role{RoleReceiver}, Expires: time.Now().Add(time.Hour).Unix()})

	ok := dialRaw(t, url)
	ok.send(obj{"type": "join", "room": "r", "role": "receiver", "token": tok})
	w := ok.expect(TypeWelcome)

	viaQuery := dialRaw(t, url+"?token="+tok)
	viaQuery.send(obj{"type": "join", "room": "r", "role": "receiver"})
	viaQuery.expect(TypeWelcome)

	for name, join := range map[string]obj{
		"missing":    {"type": "join", "room": "r", "role": "receiver"},
		"wrong role": {"type": "join", "room": "r", "role": "sender", "token": tok},
		"wrong room": {"type": "join", "room": "s", "role": "receiver", "token": tok},
		"bad":        {"type": "join", "room": "r", "role": "receiver", "token": tok + "x"},
		// A resume token alone is not enough on a server with tokens.
		"resume without token": {"type": "join", "room": "r", "role": "receiver", "resume": w["resume"]},
	} {
		t.Run(name, func(t *testing.T) {
			c := dialRaw(t, url)
			c.send(join)
			c.expectError(CodeUnauthorized)
			c.expectClose(ClosePolicy)
		})
	}
}
