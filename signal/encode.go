package signal

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
)

// newID returns 128 random bits from the CSPRNG as 22 URL-safe characters.
func newID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails on supported platforms (Go 1.24+ crashes instead)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Outgoing messages whose shape the protocol fixes, with every field
// present: omitempty would drop an empty peers list or resumed=false.
type welcomeMsg struct {
	Type       string      `json:"type"`
	ID         string      `json:"id"`
	Room       string      `json:"room"`
	Role       Role        `json:"role"`
	Peers      []PeerInfo  `json:"peers"`
	Resume     string      `json:"resume"`
	Resumed    bool        `json:"resumed"`
	ICEServers []ICEServer `json:"iceServers"`
}

type errorMsg struct {
	Type string `json:"type"`
	Code string `json:"code"`
	Text string `json:"message"`
	Ref  string `json:"ref,omitempty"`
}

type actionErrorMsg struct {
	Action string `json:"action"`
	Data   struct {
		Code string `json:"code"`
		Text string `json:"message"`
	} `json:"data"`
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("signal: encoding a fixed message type: " + err.Error())
	}
	return b
}

func encodeWelcome(p *peer, peers []PeerInfo, resumed bool, ice []ICEServer) []byte {
	if ice == nil {
		ice = []ICEServer{}
	}
	return mustJSON(welcomeMsg{
		Type: TypeWelcome, ID: p.id, Room: p.room.name, Role: p.role, Peers: peers,
		Resume: p.resume, Resumed: resumed, ICEServers: ice,
	})
}

func encodePeerJoined(pi PeerInfo) []byte {
	return mustJSON(struct {
		Type string   `json:"type"`
		Peer PeerInfo `json:"peer"`
	}{TypePeerJoined, pi})
}

func encodePeerLeft(id string) []byte {
	return append(append([]byte(`{"type":"peer-left","id":"`), id...), `"}`...)
}

var pongMsg = []byte(`{"type":"pong"}`)

func encodeError(d dialect, code, text, ref string) []byte {
	if d == dialectAction {
		var m actionErrorMsg
		m.Action = "error"
		m.Data.Code, m.Data.Text = code, text
		return mustJSON(m)
	}
	return mustJSON(errorMsg{Type: TypeError, Code: code, Text: text, Ref: ref})
}
