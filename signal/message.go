// Package signal implements webrtc-cli's signaling protocol (see PROTOCOL.md
// beside this file): the JSON messages, the who-offers rule, the WebSocket
// server that relays them between the peers of a room, and the Go client that
// send, receive and the tests use to talk to it.
package signal

import (
	"encoding/json"
	"fmt"
)

// Message types of the native protocol.
const (
	TypeJoin       = "join"
	TypeOffer      = "offer"
	TypeAnswer     = "answer"
	TypeCandidate  = "candidate"
	TypeBye        = "bye"
	TypeLeave      = "leave"
	TypePing       = "ping"
	TypePong       = "pong"
	TypeWelcome    = "welcome"
	TypePeerJoined = "peer-joined"
	TypePeerLeft   = "peer-left"
	TypeError      = "error"

	// TypeDisconnected is never sent on the wire: Client emits it on its event
	// channel when the connection to the server drops and it starts to
	// reconnect. The next event is a welcome (resumed or not).
	TypeDisconnected = "disconnected"
)

// Role says which way media flows for a peer.
type Role string

// Roles of the protocol.
const (
	RoleSender   Role = "sender"
	RoleReceiver Role = "receiver"
	RolePeer     Role = "peer"
)

// Valid reports whether r is one of the protocol's roles.
func (r Role) Valid() bool {
	return r == RoleSender || r == RoleReceiver || r == RolePeer
}

// PeerInfo describes a member of a room in welcome and peer-joined.
type PeerInfo struct {
	ID   string `json:"id"`
	Role Role   `json:"role"`
	Name string `json:"name"`
}

// ICEServer is an RTCIceServer as handed to clients in welcome.iceServers.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// Candidate is an RTCIceCandidateInit.
type Candidate struct {
	Candidate        string  `json:"candidate"`
	SDPMid           *string `json:"sdpMid"`
	SDPMLineIndex    *uint16 `json:"sdpMLineIndex"`
	UsernameFragment *string `json:"usernameFragment,omitempty"`
}

// Message is the flat envelope of every native message in both directions;
// each type uses the fields its row of the protocol table names.
type Message struct {
	Type string `json:"type"`

	// join
	Room   string `json:"room,omitempty"`
	Role   Role   `json:"role,omitempty"`
	Name   string `json:"name,omitempty"`
	Token  string `json:"token,omitempty"`
	Resume string `json:"resume,omitempty"` // also in welcome: the token to resume with

	// offer, answer, candidate, bye
	To   string `json:"to,omitempty"`
	From string `json:"from,omitempty"`
	SDP  string `json:"sdp,omitempty"`
	// Instance (offer, answer) names the process that sent it, the same
	// across reconnections and server restarts, so that a peer met again
	// under a new id is known: webrtc-cli does not start a second call
	// with a process it is already in a call with or has served.
	Instance string `json:"instance,omitempty"`
	// Candidate is the raw RTCIceCandidateInit, or null for end-of-candidates.
	// Use ICECandidate and NewCandidate rather than reading it directly.
	Candidate json.RawMessage `json:"candidate,omitempty"`

	// welcome, peer-joined, peer-left
	ID         string      `json:"id,omitempty"`
	Peers      []PeerInfo  `json:"peers,omitempty"`
	Peer       *PeerInfo   `json:"peer,omitempty"`
	Resumed    bool        `json:"resumed,omitempty"`
	ICEServers []ICEServer `json:"iceServers,omitempty"`

	// error
	Code string `json:"code,omitempty"`
	Text string `json:"message,omitempty"`
	Ref  string `json:"ref,omitempty"`
}

// ICECandidate decodes the candidate of a candidate message; nil means
// end-of-candidates.
func (m *Message) ICECandidate() (*Candidate, error) {
	if len(m.Candidate) == 0 || string(m.Candidate) == "null" {
		return nil, nil
	}
	var c Candidate
	if err := json.Unmarshal(m.Candidate, &c); err != nil {
		return nil, fmt.Errorf("%w: candidate: %v", ErrBadMessage, err)
	}
	return &c, nil
}

// NewCandidate builds a candidate message to peer to; c == nil sends
// end-of-candidates.
func NewCandidate(to string, c *Candidate) Message {
	raw := json.RawMessage("null")
	if c != nil {
		raw, _ = json.Marshal(c) // a struct of strings cannot fail to encode
	}
	return Message{Type: TypeCandidate, To: to, Candidate: raw}
}

// Error is an error message received from the server. It matches the
// sentinel of its code: errors.Is(err, ErrRoomFull) for a room-full.
type Error struct {
	Code string
	Text string
	Ref  string
}

func (e *Error) Error() string {
	if e.Ref != "" {
		return fmt.Sprintf("server refused %s: %s (%s)", e.Ref, e.Text, e.Code)
	}
	return fmt.Sprintf("server error: %s (%s)", e.Text, e.Code)
}

// Unwrap gives the sentinel of e's code (ErrRoomFull for room-full, and so
// on), or nil for a code this version does not know.
func (e *Error) Unwrap() error { return codeErrors[e.Code] }
