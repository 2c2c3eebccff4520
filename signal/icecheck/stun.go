package icecheck

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/pion/stun/v4"
)

// software names this client in its requests, for the server's logs.
var software = stun.NewSoftware("webrtc-cli ice-check")

// bind sends a Binding request to the STUN server at to and returns the
// address it saw this socket at (the server-reflexive address) and the
// round-trip time.
func (l *link) bind(ctx context.Context, to net.Addr) (*net.UDPAddr, time.Duration, error) {
	req, err := stun.Build(stun.TransactionID, stun.BindingRequest, software, stun.Fingerprint)
	if err != nil {
		return nil, 0, err
	}
	res, rtt, err := l.transact(ctx, to, req)
	if err != nil {
		return nil, 0, err
	}
	if err := responseError(res); err != nil {
		return nil, rtt, err
	}
	addr, err := mappedAddress(res)
	return addr, rtt, err
}

// responseError is the error of an error response, nil for a success.
func responseError(res *stun.Message) error {
	switch res.Type.Class {
	case stun.ClassSuccessResponse:
		return nil
	case stun.ClassErrorResponse:
		var code stun.ErrorCodeAttribute
		if err := code.GetFrom(res); err != nil {
			return fmt.Errorf("an error response without a code: %v", err)
		}
		return &CodeError{Code: int(code.Code), Reason: string(code.Reason)}
	}
	return fmt.Errorf("a %s in answer to a request", res.Type)
}

// errorCode is the code of an error response, or 0.
func errorCode(res *stun.Message) int {
	var code stun.ErrorCodeAttribute
	if res.Type.Class != stun.ClassErrorResponse || code.GetFrom(res) != nil {
		return 0
	}
	return int(code.Code)
}

// mappedAddress is the XOR-MAPPED-ADDRESS of res, or the MAPPED-ADDRESS
// of a server from before RFC 5389.
func mappedAddress(res *stun.Message) (*net.UDPAddr, error) {
	var xor stun.XORMappedAddress
	if err := xor.GetFrom(res); err == nil {
		return &net.UDPAddr{IP: xor.IP, Port: xor.Port}, nil
	}
	var plain stun.MappedAddress
	if err := plain.GetFrom(res); err == nil {
		return &net.UDPAddr{IP: plain.IP, Port: plain.Port}, nil
	}
	return nil, errNoAddress
}
