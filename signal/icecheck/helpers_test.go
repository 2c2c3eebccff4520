package icecheck

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"
	"time"

	"github.com/pion/logging"
	"github.com/pion/turn/v5"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

const turnSecret = "test-secret"

// turnServer is a pion TURN server on loopback: UDP, TCP and TLS.
type turnServer struct {
	udp, tcp, tls string // HOST:PORT of each listener
	roots         *x509.CertPool
	deleted       chan struct{} // an allocation was deleted
}

func startTURN(t *testing.T) *turnServer {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := listenTCP(t)
	cert, _, err := signal.SelfSigned([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	tlsLn := tls.NewListener(listenTCP(t), &tls.Config{Certificates: []tls.Certificate{cert}})
	relay := func() turn.RelayAddressGenerator {
		return &turn.RelayAddressGeneratorStatic{RelayAddress: net.ParseIP("127.0.0.1"), Address: "127.0.0.1"}
	}
	deleted := make(chan struct{}, 16)
	quiet := logging.NewDefaultLoggerFactory()
	quiet.DefaultLogLevel = logging.LogLevelDisabled
	s, err := turn.NewServer(turn.ServerConfig{
		Realm:             "webrtc-cli",
		AuthHandler:       turn.LongTermTURNRESTAuthHandler(turnSecret, quiet.NewLogger("auth")),
		PacketConnConfigs: []turn.PacketConnConfig{{PacketConn: pc, RelayAddressGenerator: relay()}},
		ListenerConfigs: []turn.ListenerConfig{
			{Listener: ln, RelayAddressGenerator: relay()},
			{Listener: tlsLn, RelayAddressGenerator: relay()},
		},
		LoggerFactory: quiet,
		EventHandler: turn.EventHandler{OnAllocationDeleted: func(_, _ net.Addr, _, _, _ string) {
			select {
			case deleted <- struct{}{}:
			default:
			}
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	roots := x509.NewCertPool()
	roots.AddCert(cert.Leaf)
	return &turnServer{udp: pc.LocalAddr().String(), tcp: ln.Addr().String(), tls: tlsLn.Addr().String(), roots: roots, deleted: deleted}
}

func listenTCP(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// credentials are TURN REST credentials valid for d (expired if d < 0).
func credentials(t *testing.T, d time.Duration) (user, pass string) {
	t.Helper()
	user, pass, err := turn.GenerateLongTermTURNRESTCredentials(turnSecret, "id", d)
	if err != nil {
		t.Fatal(err)
	}
	return user, pass
}

// closedUDP is a loopback UDP address nothing listens on.
func closedUDP(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	return pc.LocalAddr().String()
}

// closedTCP is a loopback TCP address nothing listens on.
func closedTCP(t *testing.T) string {
	t.Helper()
	ln := listenTCP(t)
	defer ln.Close()
	return ln.Addr().String()
}

func iceServer(url, user, pass string) signal.ICEServer {
	return signal.ICEServer{URLs: []string{url}, Username: user, Credential: pass}
}
