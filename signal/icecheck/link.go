package icecheck

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/pion/stun/v4"
	"github.com/pion/turn/v5"
)

// Retransmission timeouts over UDP: RFC 8489 §6.2.1 starts at 500 ms and
// doubles; a diagnostic wants a lost packet resent sooner.
const (
	firstRTO = 250 * time.Millisecond
	maxRTO   = 2 * time.Second
)

// link carries STUN messages to a server: a UDP socket, or a TCP or TLS
// stream framed by turn.NewSTUNConn. Only one goroutine uses it.
type link struct {
	conn     net.PacketConn
	server   net.Addr
	reliable bool // a stream: requests are sent once
}

// dialLink opens a link to t's server.
func dialLink(ctx context.Context, t Target, tlsConf *tls.Config) (*link, error) {
	if t.Transport == "udp" {
		ip, err := resolve(ctx, t.Host)
		if err != nil {
			return nil, err
		}
		server := &net.UDPAddr{IP: ip, Port: t.Port}
		conn, err := net.ListenPacket(udpNetwork(ip), ":0")
		if err != nil {
			return nil, err
		}
		return &link{conn: conn, server: server}, nil
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", t.Addr())
	if err != nil {
		return nil, err
	}
	if t.Transport == "tls" {
		if c, err = handshake(ctx, c, t.Host, tlsConf); err != nil {
			return nil, err
		}
	}
	return &link{conn: turn.NewSTUNConn(c), server: c.RemoteAddr(), reliable: true}, nil
}

// handshake runs the TLS handshake over c; its errors match ErrTLS.
func handshake(ctx context.Context, c net.Conn, host string, conf *tls.Config) (net.Conn, error) {
	if conf = conf.Clone(); conf == nil {
		conf = &tls.Config{}
	}
	if conf.ServerName == "" {
		conf.ServerName = host
	}
	tc := tls.Client(c, conf)
	if err := tc.HandshakeContext(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("%w: %w", ErrTLS, err)
	}
	return tc, nil
}

// resolve looks host up, preferring IPv4 as most TURN deployments do.
func resolve(ctx context.Context, host string) (net.IP, error) {
	ips, err := net.DefaultResolver.LookupIP(ctx, "ip", host)
	if err != nil {
		return nil, err
	}
	for _, ip := range ips {
		if ip.To4() != nil {
			return ip, nil
		}
	}
	return ips[0], nil
}

func udpNetwork(ip net.IP) string {
	if ip.To4() != nil {
		return "udp4"
	}
	return "udp6"
}

func (l *link) close() { l.conn.Close() }

// transact sends req to the server at to and returns the response with
// req's transaction ID and its round-trip time (from the first send: a
// diagnostic counts the loss). Over UDP req is resent until ctx ends;
// anything else read meanwhile, such as a late answer to an earlier
// request, is skipped.
func (l *link) transact(ctx context.Context, to net.Addr, req *stun.Message) (*stun.Message, time.Duration, error) {
	// A canceled ctx interrupts the read at once; the deadline of ctx
	// bounds it anyway.
	interrupted := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(interrupted)
		l.conn.SetDeadline(time.Unix(1, 0))
	})
	defer func() {
		if !stop() {
			<-interrupted
		}
	}()
	deadline, _ := ctx.Deadline()
	l.conn.SetWriteDeadline(deadline) // a stream's write can block
	start := time.Now()
	var next time.Time // when to send (again)
	rto := firstRTO
	buf := make([]byte, 64<<10)
	for {
		now := time.Now()
		if !deadline.IsZero() && !now.Before(deadline) {
			return nil, 0, context.DeadlineExceeded
		}
		if next.IsZero() || !l.reliable && !now.Before(next) {
			if _, err := l.conn.WriteTo(req.Raw, to); err != nil {
				if ctx.Err() != nil { // the deadline the cancel set
					return nil, 0, ctx.Err()
				}
				return nil, 0, err
			}
			next, rto = now.Add(rto), min(2*rto, maxRTO)
		}
		wake := deadline
		if !l.reliable && (wake.IsZero() || next.Before(wake)) {
			wake = next
		}
		l.conn.SetReadDeadline(wake)
		// After SetReadDeadline: a cancel from now on comes after it.
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		n, _, err := l.conn.ReadFrom(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, 0, ctx.Err()
			}
			return nil, 0, err
		}
		res := &stun.Message{Raw: append([]byte(nil), buf[:n]...)}
		if res.Decode() == nil && res.TransactionID == req.TransactionID {
			return res, time.Since(start), nil
		}
	}
}
