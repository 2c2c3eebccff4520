package peer

import (
	"net"
	"strconv"

	"github.com/pion/webrtc/v4"
)

// Route is the ICE candidate pair a call's media takes.
type Route struct {
	Local  Endpoint `json:"local"`
	Remote Endpoint `json:"remote"`
}

// Endpoint is one candidate of a Route.
type Endpoint struct {
	Type     string `json:"type"`     // host, srflx, prflx or relay
	Protocol string `json:"protocol"` // udp or tcp
	Address  string `json:"address"`  // IP:port
}

// Relayed reports whether the media goes through a TURN relay.
func (r Route) Relayed() bool { return r.Local.Type == "relay" || r.Remote.Type == "relay" }

func (r Route) String() string {
	return r.Local.Type + " " + r.Local.Address + " <-> " + r.Remote.Type + " " + r.Remote.Address + " (" + r.Local.Protocol + ")"
}

// Route is the candidate pair the call has selected; false before ICE has
// selected one.
func (c *Call) Route() (Route, bool) {
	for _, tr := range c.PC.GetTransceivers() {
		var dtls *webrtc.DTLSTransport
		if s := tr.Sender(); s != nil {
			dtls = s.Transport()
		}
		if dtls == nil && tr.Receiver() != nil {
			dtls = tr.Receiver().Transport()
		}
		if dtls == nil {
			continue
		}
		pair, err := dtls.ICETransport().GetSelectedCandidatePair()
		if err != nil || pair == nil {
			continue
		}
		return Route{Local: endpoint(pair.Local), Remote: endpoint(pair.Remote)}, true
	}
	return Route{}, false
}

func endpoint(c *webrtc.ICECandidate) Endpoint {
	return Endpoint{Type: c.Typ.String(), Protocol: c.Protocol.String(), Address: net.JoinHostPort(c.Address, strconv.Itoa(int(c.Port)))}
}
