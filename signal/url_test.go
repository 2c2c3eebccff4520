package signal

import (
	"net"
	"testing"
)

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

func TestListenURL(t *testing.T) {
	tcp := func(ip string, port int) net.Addr { return &net.TCPAddr{IP: net.ParseIP(ip), Port: port} }
	tests := []struct {
		addr net.Addr
		tls  bool
		want string
	}{
		{tcp("0.0.0.0", 8080), false, "ws://127.0.0.1:8080/ws"},
		{tcp("::", 8443), true, "wss://127.0.0.1:8443/ws"},
		{tcp("192.0.2.7", 80), false, "ws://192.0.2.7:80/ws"},
		{tcp("::1", 9), true, "wss://[::1]:9/ws"},
		{pipeAddr{}, false, "ws://pipe/ws"},
	}
	for _, tt := range tests {
		if got := ListenURL(tt.addr, tt.tls); got != tt.want {
			t.Errorf("ListenURL(%v, %v) = %q; want %q", tt.addr, tt.tls, got, tt.want)
		}
	}
}
