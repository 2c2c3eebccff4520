package signal

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net"
	"strconv"
	"strings"
	"time"
)

// TURNAuth hands out time-limited TURN credentials by the scheme coturn
// calls use-auth-secret (the TURN REST API draft): the username is
// EXPIRY:ID, the password base64(HMAC-SHA1(secret, username)). A TURN
// server that knows the secret checks them without any state.
type TURNAuth struct {
	Secret []byte
	TTL    time.Duration // default 1 h
	// URLs are the turn: and turns: URLs the credentials are for. Empty
	// means the TURN server of this process: Port (UDP and TCP) and
	// TLSPort (turns:, 0 for none) on the host the client reached this
	// server by.
	URLs          []string
	Port, TLSPort int
}

// DefaultTURNTTL is how long credentials are valid when TURNAuth.TTL is 0.
const DefaultTURNTTL = time.Hour

// ICEServer is the entry for one client: id names it in the username
// (a peer id, a WHIP session), host is the host it reached us by.
func (a *TURNAuth) ICEServer(host, id string, now time.Time) ICEServer {
	ttl := a.TTL
	if ttl <= 0 {
		ttl = DefaultTURNTTL
	}
	user, pass := TURNCredentials(a.Secret, id, now.Add(ttl))
	return ICEServer{URLs: a.urls(host), Username: user, Credential: pass}
}

func (a *TURNAuth) urls(host string) []string {
	if len(a.URLs) > 0 {
		return a.URLs
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if host == "" {
		host = "localhost"
	}
	port := strconv.Itoa(a.Port)
	urls := []string{"turn:" + host + ":" + port + "?transport=udp", "turn:" + host + ":" + port + "?transport=tcp"}
	if a.TLSPort > 0 {
		urls = append(urls, "turns:"+host+":"+strconv.Itoa(a.TLSPort)+"?transport=tcp")
	}
	return urls
}

// TURNCredentials makes the username and password valid until expires.
func TURNCredentials(secret []byte, id string, expires time.Time) (username, password string) {
	username = strconv.FormatInt(expires.Unix(), 10)
	if id != "" {
		username += ":" + id
	}
	return username, TURNPassword(secret, username)
}

// TURNPassword is base64(HMAC-SHA1(secret, username)).
func TURNPassword(secret []byte, username string) string {
	mac := hmac.New(sha1.New, secret)
	mac.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// TURNExpiry is the expiry a username made by TURNCredentials carries.
func TURNExpiry(username string) (time.Time, bool) {
	ts, _, _ := strings.Cut(username, ":")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sec <= 0 {
		return time.Time{}, false
	}
	return time.Unix(sec, 0), true
}

// iceServers are what p's welcome lists: the configured servers and, with
// TURN, one with credentials of p's own.
func (s *Server) iceServers(p *peer) []ICEServer {
	if s.cfg.TURN == nil {
		return s.cfg.ICEServers
	}
	return append(s.cfg.ICEServers[:len(s.cfg.ICEServers):len(s.cfg.ICEServers)], s.cfg.TURN.ICEServer(p.conn.host, p.id, time.Now()))
}
