package signal

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"time"
	"unicode/utf8"
)

// inbound is the envelope of every message a client may send, in any
// dialect. Payloads stay raw: the SDP is relayed, never decoded.
type inbound struct {
	Type      string          `json:"type"`
	Action    string          `json:"action"`
	Room      string          `json:"room"`
	Role      string          `json:"role"`
	Name      string          `json:"name"`
	Token     string          `json:"token"`
	Resume    string          `json:"resume"`
	To        string          `json:"to"`
	From      json.RawMessage `json:"from"`
	SDP       json.RawMessage `json:"sdp"`
	Candidate json.RawMessage `json:"candidate"`
	Data      json.RawMessage `json:"data"`
}

// decode parses a frame's envelope (see parseEnvelope), telling a frame
// that is not a JSON object (bad-json) from one whose fields have the wrong
// types (bad-message). Raw fields alias data.
func decode(data []byte) (in inbound, from memberSpan, code, text string) {
	from, code, text = parseEnvelope(data, &in)
	return in, from, code, text
}

var roomName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func isJSONString(raw json.RawMessage) bool { return len(raw) > 0 && raw[0] == '"' }
func isJSONObject(raw json.RawMessage) bool { return len(raw) > 0 && raw[0] == '{' }

// descriptionSDP checks an RTCSessionDescriptionInit and returns its sdp as
// a raw JSON string. The object is an already validated part of the frame;
// parseEnvelope picks its sdp field out without decoding the SDP.
func descriptionSDP(desc json.RawMessage) (json.RawMessage, bool) {
	if !isJSONObject(desc) {
		return nil, false
	}
	var d inbound
	if _, code, _ := parseEnvelope(desc, &d); code != "" || !isJSONString(d.SDP) {
		return nil, false
	}
	return d.SDP, true
}

func (c *conn) sendError(code, text, ref string) {
	c.srv.metrics.errorsBy[code].Inc()
	// One line a second per connection at info, the rest at debug: a
	// client sending garbage must not flood the log.
	level := slog.LevelDebug
	if now := time.Now(); now.Sub(c.lastErrLog) >= time.Second {
		c.lastErrLog, level = now, slog.LevelInfo
	}
	c.srv.log.Log(context.Background(), level, "protocol error", "code", code, "message", text, "ref", ref, "id", c.id, "remote", c.remote)
	c.send(encodeError(c.dialect, code, text, ref))
}

// handle dispatches one message and reports whether the connection must
// end.
func (c *conn) handle(data []byte) (fatal bool) {
	in, from, code, text := decode(data)
	if code != "" {
		c.sendError(code, text, in.Type)
		return false
	}
	if c.dialect == dialectUnknown {
		switch {
		case in.Type == "sender" || in.Type == "receiver":
			c.dialect = dialectRole
		case in.Action == "start":
			c.dialect = dialectAction
		case in.Type != "":
			c.dialect = dialectNative
		}
	}
	switch c.dialect {
	case dialectRole:
		return c.handleRoleDialect(&in)
	case dialectAction:
		return c.handleActionDialect(&in)
	case dialectNative:
		return c.handleNative(&in, from, data)
	}
	c.sendError(CodeBadMessage, "missing field type", "")
	return false
}

func (c *conn) handleNative(in *inbound, from memberSpan, data []byte) bool {
	switch in.Type {
	case TypePing:
		c.pong()
	case TypeJoin:
		return c.join(in, dialectNative)
	case TypeLeave:
		if !c.srv.hub.leave(c) {
			c.sendError(CodeNotJoined, "leave before join", in.Type)
		}
	case TypeOffer, TypeAnswer, TypeCandidate, TypeBye:
		if in.To == "" {
			c.sendError(CodeBadMessage, "missing field to", in.Type)
			return false
		}
		r := &relay{kind: in.Type, to: in.To}
		switch in.Type {
		case TypeOffer, TypeAnswer:
			if !isJSONString(in.SDP) {
				c.sendError(CodeBadMessage, "field sdp must be a string", in.Type)
				return false
			}
			r.sdp = in.SDP
		case TypeCandidate:
			if !isJSONObject(in.Candidate) && !isNull(in.Candidate) {
				c.sendError(CodeBadMessage, "field candidate must be an object or null", in.Type)
				return false
			}
			r.cand = in.Candidate
		}
		c.relay(r, func(r *relay) { r.native = stampFrom(data, from, r.from) }, byTo)
	case "":
		c.sendError(CodeBadMessage, "missing field type", "")
	default:
		c.sendError(CodeUnknownType, fmt.Sprintf("unknown message type %q", in.Type), in.Type)
	}
	return false
}

// pong answers a ping. A server with tokens answers only connections that
// have joined: a client without a token must not keep a connection alive.
func (c *conn) pong() {
	if !c.joined && len(c.srv.cfg.TokenSecret) > 0 {
		c.sendError(CodeNotJoined, "join with a token first: this server requires tokens", TypePing)
		return
	}
	c.send(pongMsg)
}

// join handles a native join, the role dialect's sender/receiver and the
// action dialect's start. Fields the message leaves out come from the
// upgrade URL's query.
func (c *conn) join(in *inbound, d dialect) (fatal bool) {
	q := func(v, fromURL string) string {
		if v == "" {
			return fromURL
		}
		return v
	}
	cq := c.query
	req := joinReq{room: q(in.Room, cq.room), name: q(in.Name, cq.name), resume: in.Resume, role: Role(q(in.Role, cq.role)), dialect: d}
	token := q(in.Token, cq.token)
	switch d {
	case dialectRole:
		req.role, req.room, req.name = Role(in.Type), cq.room, cq.name
	case dialectAction:
		req.role, req.room, req.name = RolePeer, cq.room, cq.name
	}
	if d != dialectNative && req.room == "" {
		req.room = "default"
	}
	if req.role == "" {
		req.role = RolePeer
	}
	switch {
	case req.room == "":
		c.sendError(CodeBadMessage, "missing field room", TypeJoin)
		return false
	case !roomName.MatchString(req.room):
		c.sendError(CodeBadMessage, "room must be 1-64 characters of A-Z a-z 0-9 . _ -", TypeJoin)
		return false
	case !req.role.Valid():
		c.sendError(CodeBadMessage, "role must be sender, receiver or peer", TypeJoin)
		return false
	case utf8.RuneCountInString(req.name) > 64:
		c.sendError(CodeBadMessage, "name is longer than 64 characters", TypeJoin)
		return false
	}
	if text := c.tokenRefusal(token, req); text != "" {
		c.srv.log.Info("join refused", "remote", c.remote, "room", req.room, "role", req.role, "reason", text)
		c.fail(CodeUnauthorized, text, ClosePolicy)
		return true
	}
	p, resumed, code := c.srv.hub.join(c, req)
	switch code {
	case "":
		if !c.joined {
			c.joined = true
			c.extendRead() // the join timeout no longer applies
		}
	case CodeRoomFull:
		c.sendError(code, fmt.Sprintf("room %q is full (%d peers)", req.room, c.srv.cfg.RoomSize), TypeJoin)
		return false
	case CodeUnavailable:
		c.sendError(code, "this server cannot reach its cluster's Redis: try again, or another instance", TypeJoin)
		return false
	case CodeNotJoined:
		return false // the connection went while the join was being made
	default:
		c.sendError(code, "already in a room; send leave first", TypeJoin)
		return false
	}
	c.srv.log.Info("peer joined", "id", p.id, "room", req.room, "role", req.role, "name", req.name,
		"remote", c.remote, "resumed", resumed, "dialect", d.String())
	return false
}

// tokenRefusal says why token does not admit req on this server, or "".
func (c *conn) tokenRefusal(token string, req joinReq) string {
	secret := c.srv.cfg.TokenSecret
	switch {
	case len(secret) == 0:
		return ""
	case token == "":
		return "token required"
	}
	if err := VerifyToken(secret, token, req.room, req.role, c.srv.now()); err != nil {
		return "token refused: " + err.Error()
	}
	return ""
}

func (d dialect) String() string {
	switch d {
	case dialectNative:
		return "native"
	case dialectRole:
		return "role"
	case dialectAction:
		return "action"
	}
	return "unknown"
}

// target picks the recipient of a relay inside the sender's room.
type target func(from *peer, r *relay) *peer

func byTo(from *peer, r *relay) *peer { return from.room.peers[r.to] }

// relay delivers r to the peer that pick chooses. prepare, when set, runs
// once the sender's id is known and before the hub is locked.
func (c *conn) relay(r *relay, prepare func(*relay), pick target) {
	r.from = c.id
	if prepare != nil {
		prepare(r)
	}
	switch code := c.srv.hub.relay(c, r, pick); code {
	case "":
	case CodeNotJoined:
		c.sendError(code, "join a room first", r.kind)
	default:
		c.sendError(code, "no such peer in your room", r.kind)
	}
}
