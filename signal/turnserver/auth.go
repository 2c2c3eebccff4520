package turnserver

import (
	"net"
	"time"

	"github.com/pion/turn/v5"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// authenticate is pion's AuthHandler for credentials made by
// signal.TURNCredentials: it refuses what has expired or names another
// realm, and returns the key a right password makes (pion checks the
// message against it; a wrong one is counted in onAuth).
func (s *Server) authenticate(ra *turn.RequestAttributes) (string, []byte, bool) {
	expires, ok := signal.TURNExpiry(ra.Username)
	switch {
	case !ok:
		s.m.refuse(reasonMalformed)
	case ra.Realm != s.cfg.Realm:
		s.m.refuse(reasonRealm)
	case !time.Now().Before(expires):
		s.m.refuse(reasonExpired)
	default:
		pass := signal.TURNPassword(s.cfg.Secret, ra.Username)
		return ra.Username, turn.GenerateAuthKey(ra.Username, ra.Realm, pass), true
	}
	s.cfg.Logger.Debug("TURN credentials refused", "user", ra.Username, "from", ra.SrcAddr)
	return "", nil, false
}

// onAuth sees pion's verdict on the message integrity: false is a
// password that does not match (another secret, or forged).
func (s *Server) onAuth(src, _ net.Addr, _, user, _, _ string, ok bool) {
	if !ok {
		s.m.refuse(reasonCredentials)
		s.cfg.Logger.Debug("TURN credentials refused: wrong password", "user", user, "from", src)
	}
}
