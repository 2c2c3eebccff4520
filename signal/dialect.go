package signal

import (
	"encoding/json"
	"fmt"
)

// The role dialect, the first tutorial's: {"type":"sender"|"receiver"}
// joins, and a sender's createOffer goes to the newest receiver of the room;
// answers and candidates go back to the last offer partner.
func (c *conn) handleRoleDialect(in *inbound) bool {
	switch in.Type {
	case "sender", "receiver":
		return c.join(in, dialectRole)
	case TypePing:
		c.send(pongMsg)
	case "createOffer", "createAnswer":
		sdp, ok := descriptionSDP(in.SDP)
		if !ok {
			c.sendError(CodeBadMessage, "sdp must be an RTCSessionDescriptionInit", in.Type)
			return false
		}
		r := &relay{kind: TypeOffer, sdp: sdp, desc: in.SDP}
		pick := newestReceiver
		if in.Type == "createAnswer" {
			r.kind, pick = TypeAnswer, partner
		}
		c.relay(r, nil, pick)
	case "iceCandidate":
		if !isJSONObject(in.Candidate) && !isNull(in.Candidate) {
			c.sendError(CodeBadMessage, "candidate must be an RTCIceCandidateInit", in.Type)
			return false
		}
		c.relay(&relay{kind: TypeCandidate, cand: in.Candidate}, nil, partner)
	default:
		c.sendError(CodeUnknownType, fmt.Sprintf("unknown message type %q", in.Type), in.Type)
	}
	return false
}

// newestReceiver picks the receiver that joined from's room most recently
// and makes it from's offer partner.
func newestReceiver(from *peer, _ *relay) *peer {
	var best *peer
	for _, q := range from.room.peers {
		if q != from && q.role == RoleReceiver && (best == nil || q.seq > best.seq) {
			best = q
		}
	}
	if best != nil {
		from.partner = best.id
	}
	return best
}

func partner(from *peer, _ *relay) *peer { return from.room.peers[from.partner] }

// The action dialect, the second tutorial's: {"action":"start"} joins as a
// peer, and offer, answer and iceCandidate name their recipient in
// data.remoteId.
func (c *conn) handleActionDialect(in *inbound) bool {
	var data struct {
		Offer     json.RawMessage `json:"offer"`
		Answer    json.RawMessage `json:"answer"`
		Candidate json.RawMessage `json:"candidate"`
		RemoteID  string          `json:"remoteId"`
	}
	if in.Action != "start" && in.Action != "" && len(in.Data) > 0 {
		if json.Unmarshal(in.Data, &data) != nil {
			c.sendError(CodeBadMessage, "data must be an object", in.Action)
			return false
		}
	}
	r := &relay{to: data.RemoteID}
	switch in.Action {
	case "start":
		return c.join(in, dialectAction)
	case "offer", "answer":
		desc := data.Offer
		r.kind = TypeOffer
		if in.Action == "answer" {
			desc, r.kind = data.Answer, TypeAnswer
		}
		sdp, ok := descriptionSDP(desc)
		if !ok {
			c.sendError(CodeBadMessage, "data."+in.Action+" must be an RTCSessionDescriptionInit", in.Action)
			return false
		}
		r.sdp, r.desc = sdp, desc
	case "iceCandidate":
		if !isJSONObject(data.Candidate) && !isNull(data.Candidate) {
			c.sendError(CodeBadMessage, "data.candidate must be an RTCIceCandidateInit", in.Action)
			return false
		}
		r.kind, r.cand = TypeCandidate, data.Candidate
	case "":
		c.sendError(CodeBadMessage, "missing field action", "")
		return false
	default:
		c.sendError(CodeUnknownType, fmt.Sprintf("unknown action %q", in.Action), in.Action)
		return false
	}
	if r.to == "" {
		c.sendError(CodeBadMessage, "missing field data.remoteId", in.Action)
		return false
	}
	c.relay(r, nil, byTo)
	return false
}
