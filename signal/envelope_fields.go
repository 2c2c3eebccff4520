package signal

import (
	"bytes"
	"encoding/json"
)

// Envelope fields, in the order of inbound. Those before fieldFrom must be
// strings; fieldFrom and after are kept raw.
const (
	fieldNone = iota
	fieldType
	fieldAction
	fieldRoom
	fieldRole
	fieldName
	fieldToken
	fieldResume
	fieldTo
	fieldFrom
	fieldSDP
	fieldCandidate
	fieldData
)

// wrongType holds decode()'s bad-message texts, built once so that the
// error path does not allocate either.
var wrongType = [...]string{
	fieldType:   `field "type" has the wrong type`,
	fieldAction: `field "action" has the wrong type`,
	fieldRoom:   `field "room" has the wrong type`,
	fieldRole:   `field "role" has the wrong type`,
	fieldName:   `field "name" has the wrong type`,
	fieldToken:  `field "token" has the wrong type`,
	fieldResume: `field "resume" has the wrong type`,
	fieldTo:     `field "to" has the wrong type`,
}

func fieldOf(key string) int {
	switch key {
	case "type":
		return fieldType
	case "action":
		return fieldAction
	case "room":
		return fieldRoom
	case "role":
		return fieldRole
	case "name":
		return fieldName
	case "token":
		return fieldToken
	case "resume":
		return fieldResume
	case "to":
		return fieldTo
	case "from":
		return fieldFrom
	case "sdp":
		return fieldSDP
	case "candidate":
		return fieldCandidate
	case "data":
		return fieldData
	}
	return fieldNone
}

// keyField maps a member's key, quotes included, to its field. A key with
// escapes is unescaped first, so "\u0074ype" is type.
func keyField(key []byte) int {
	name := key[1 : len(key)-1]
	if bytes.IndexByte(name, '\\') < 0 {
		return fieldOf(string(name)) // no allocation: the compiler compares in place
	}
	var s string
	_ = json.Unmarshal(key, &s) // rare; a validated string cannot fail
	return fieldOf(s)
}

// stringField is where a string field goes in in.
func stringField(in *inbound, f int) *string {
	switch f {
	case fieldType:
		return &in.Type
	case fieldAction:
		return &in.Action
	case fieldRoom:
		return &in.Room
	case fieldRole:
		return &in.Role
	case fieldName:
		return &in.Name
	case fieldToken:
		return &in.Token
	case fieldResume:
		return &in.Resume
	}
	return &in.To
}

// rawField is where a raw field goes in in.
func rawField(in *inbound, f int) *json.RawMessage {
	switch f {
	case fieldFrom:
		return &in.From
	case fieldSDP:
		return &in.SDP
	case fieldCandidate:
		return &in.Candidate
	}
	return &in.Data
}

// setString stores the JSON string raw (quotes included, already
// validated) in dst.
func setString(dst *string, raw []byte) {
	if bytes.IndexByte(raw, '\\') >= 0 {
		// Rare: let encoding/json deal with escapes and surrogate pairs,
		// exactly as the decoder this parser replaced did. Decoding into a
		// local keeps dst (and so the caller's inbound) off the heap.
		var s string
		_ = json.Unmarshal(raw, &s)
		*dst = s
		return
	}
	*dst = constantOr(raw[1 : len(raw)-1])
}

// constantOr returns the protocol constant that b spells, so that type,
// action and role values cost no allocation, or else string(b).
func constantOr(b []byte) string {
	switch string(b) {
	case TypeJoin:
		return TypeJoin
	case TypeOffer:
		return TypeOffer
	case TypeAnswer:
		return TypeAnswer
	case TypeCandidate:
		return TypeCandidate
	case TypeBye:
		return TypeBye
	case TypeLeave:
		return TypeLeave
	case TypePing:
		return TypePing
	case "sender":
		return "sender"
	case "receiver":
		return "receiver"
	case "peer":
		return "peer"
	case "createOffer":
		return "createOffer"
	case "createAnswer":
		return "createAnswer"
	case "iceCandidate":
		return "iceCandidate"
	case "start":
		return "start"
	case "default":
		return "default"
	case "":
		return ""
	}
	return string(b)
}
