package icecheck

import (
	"context"
	"net"
	"time"

	"github.com/pion/stun/v4"
)

// releaseTimeout bounds the wait for the answer to the release of a relay:
// the check's verdict is in by then.
const releaseTimeout = time.Second

// rawAttr is an attribute pion/stun has no type for.
type rawAttr struct {
	t stun.AttrType
	v []byte
}

func (a rawAttr) AddTo(m *stun.Message) error {
	m.Add(a.t, a.v)
	return nil
}

var (
	udpTransport = rawAttr{stun.AttrRequestedTransport, []byte{17, 0, 0, 0}} // IP protocol 17: UDP relays, what WebRTC uses
	zeroLifetime = rawAttr{stun.AttrLifetime, []byte{0, 0, 0, 0}}            // a Refresh that releases the allocation
)

// auth is a long-term credential (RFC 8489 §9.2) with the realm and nonce
// the server gave.
type auth struct {
	username stun.Username
	realm    stun.Realm
	nonce    stun.Nonce
	key      stun.MessageIntegrity
}

// allocation is what a successful Allocate gave.
type allocation struct {
	relay, mapped *net.UDPAddr
	rtt           time.Duration // of the first request
}

// allocate asks the TURN server for a UDP relay as a WebRTC client does
// (RFC 8656 §7.1): the first request goes without credentials and the 401
// answer gives the realm and nonce to sign the second with. The relay is
// released at once.
func (l *link) allocate(ctx context.Context, username, password string) (allocation, error) {
	var a allocation
	res, rtt, err := l.request(ctx, stun.MethodAllocate, nil, udpTransport)
	if err != nil {
		return a, err
	}
	a.rtt = rtt
	var cred *auth
	if errorCode(res) == 401 { // the server asks for credentials
		cred = &auth{username: stun.NewUsername(username)}
		if res, err = l.signed(ctx, cred, res, password); err != nil {
			return a, err
		}
	}
	if errorCode(res) == 438 && cred != nil { // stale nonce: once more with the new one
		if res, err = l.signed(ctx, cred, res, password); err != nil {
			return a, err
		}
	}
	if err := responseError(res); err != nil {
		return a, err
	}
	var relay stun.XORMappedAddress
	if err := relay.GetFromAs(res, stun.AttrXORRelayedAddress); err != nil {
		return a, errNoAddress
	}
	a.relay = &net.UDPAddr{IP: relay.IP, Port: relay.Port}
	a.mapped, _ = mappedAddress(res) // nil from an old server: bind then asks
	l.release(ctx, cred)
	return a, nil
}

// signed sends the Allocate again, signed with the realm and nonce of
// the 401 or 438 answer res.
func (l *link) signed(ctx context.Context, cred *auth, res *stun.Message, password string) (*stun.Message, error) {
	var realm stun.Realm
	if realm.GetFrom(res) == nil {
		cred.realm = realm
	}
	if cred.nonce.GetFrom(res) != nil || cred.realm == nil {
		return nil, responseError(res) // no realm or nonce to sign with: the code says why
	}
	cred.key = stun.NewLongTermIntegrity(cred.username.String(), cred.realm.String(), password)
	res, _, err := l.request(ctx, stun.MethodAllocate, cred, udpTransport)
	return res, err
}

// request sends a request of method with attrs, signed with cred unless
// nil.
func (l *link) request(ctx context.Context, method stun.Method, cred *auth, attrs ...stun.Setter) (*stun.Message, time.Duration, error) {
	s := append([]stun.Setter{stun.TransactionID, stun.NewType(method, stun.ClassRequest), software}, attrs...)
	if cred != nil {
		s = append(s, cred.username, cred.realm, cred.nonce, cred.key)
	}
	req, err := stun.Build(append(s, stun.Fingerprint)...)
	if err != nil {
		return nil, 0, err
	}
	return l.transact(ctx, l.server, req)
}

// release gives the allocation back (a Refresh with lifetime 0) rather than
// leave it to expire in ten minutes, holding a relay port and a quota
// slot of a server that may be short of both.
func (l *link) release(ctx context.Context, cred *auth) {
	ctx, cancel := context.WithTimeout(ctx, releaseTimeout)
	defer cancel()
	l.request(ctx, stun.MethodRefresh, cred, zeroLifetime)
}
