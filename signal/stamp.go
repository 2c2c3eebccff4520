package signal

import (
	"bytes"
	"encoding/json"
)

// The server stamps every relayed native message with the sender's id by
// byte surgery on the sender's frame: the client's own "from" is cut out and
// the server's appended, so the rest (the SDP above all) is relayed exactly
// as it came, never decoded and re-encoded.

// memberSpan locates a top-level member of a message: data[start:end] is
// the member (key, colon, value) together with exactly one adjoining comma
// (the one before it, or for a first member the one after it), so that
// cutting that range out leaves a valid JSON object with every other
// member intact. n counts the top-level members with the key; when n > 1
// the span covers the last of them only. start and end are -1 when n is 0.
//
// The native relay replaces the client's from with the server's like this:
//
//	switch from.n {
//	case 0: // none: append the server's
//		r.native = spliceFrom(data, r.from)
//	case 1: // cut the client's out, then append the server's
//		r.native = spliceFrom(cutMember(data, from.start, from.end), r.from)
//	default: // duplicates: the slow path, which drops them all
//		r.native, err = replaceFrom(data, r.from)
//	}
//
// Case variants such as "FROM" stay in the relayed bytes: JavaScript reads
// keys exactly, and since spliceFrom puts the server's "from" last, a
// case-insensitive last-wins decoder (encoding/json) also sees the server's.
type memberSpan struct {
	start, end, n int
}

// noSpan is the memberSpan of an absent member.
var noSpan = memberSpan{start: -1, end: -1}

// cutMember returns a copy of data without data[start:end], typically a
// memberSpan from parseEnvelope: cutMember(data, from.start, from.end) is
// the message without the client's "from", still a valid JSON object
// (whitespace around the cut is kept). data is not modified, since the raw
// fields parseEnvelope returned point into it.
func cutMember(data []byte, start, end int) []byte {
	b := make([]byte, 0, len(data)-(end-start))
	return append(append(b, data[:start]...), data[end:]...)
}

// spliceFrom appends "from" to a native message that had none, keeping
// every other field the sender wrote (the protocol is forward compatible).
// obj is a JSON object already validated by the decoder.
func spliceFrom(obj []byte, from string) []byte {
	end := bytes.LastIndexByte(obj, '}')
	body := bytes.TrimRight(obj[:end], " \t\r\n")
	b := make([]byte, 0, len(body)+len(from)+12)
	b = append(b, body...)
	if body[len(body)-1] != '{' {
		b = append(b, ',')
	}
	b = append(b, `"from":"`...)
	b = append(b, from...)
	return append(b, `"}`...)
}

// stampFrom gives the relayed bytes of a native message: the client's own
// from members, if any, removed and the server's appended.
func stampFrom(obj []byte, span memberSpan, from string) []byte {
	switch span.n {
	case 0:
		return spliceFrom(obj, from)
	case 1:
		return spliceFrom(cutMember(obj, span.start, span.end), from)
	}
	if b, err := replaceFrom(obj, from); err == nil {
		return b
	}
	return spliceFrom(obj, from) // unreachable for a validated object; last from wins anyway
}

// replaceFrom rewrites a message that carried several from members (rare:
// the slow path). Keys are exact, as JavaScript reads them: a "FROM" is an
// unknown field and is relayed as it is.
func replaceFrom(obj []byte, from string) ([]byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(obj, &fields); err != nil {
		return nil, err
	}
	delete(fields, "from")
	b, err := json.Marshal(fields)
	if err != nil {
		return nil, err
	}
	return spliceFrom(b, from), nil
}
