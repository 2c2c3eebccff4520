package signal

import "encoding/json"

// relay is a message between two peers in a neutral form, so that any
// dialect can be rendered for any other. Native-to-native traffic never
// leaves its wire form: native holds the sender's bytes with from spliced
// in, and the SDP is never decoded.
type relay struct {
	kind     string // offer, answer, candidate, bye
	from, to string
	sdp      json.RawMessage // offer/answer: the SDP as a JSON string
	desc     json.RawMessage // offer/answer: an RTCSessionDescriptionInit, when the source had one
	cand     json.RawMessage // candidate: RTCIceCandidateInit or null
	native   []byte
}

func (r *relay) nativeBytes() []byte {
	if r.native != nil {
		return r.native
	}
	b := make([]byte, 0, 64+len(r.sdp)+len(r.cand))
	b = append(b, `{"type":"`...)
	b = append(b, r.kind...)
	b = append(b, `","from":"`...)
	b = append(b, r.from...)
	b = append(b, `","to":"`...)
	b = append(b, r.to...)
	b = append(b, '"')
	switch r.kind {
	case TypeOffer, TypeAnswer:
		b = append(append(b, `,"sdp":`...), r.sdp...)
	case TypeCandidate:
		b = append(append(b, `,"candidate":`...), r.cand...)
	}
	r.native = append(b, '}')
	return r.native
}

// description is the RTCSessionDescriptionInit the tutorial dialects carry.
func (r *relay) description() json.RawMessage {
	if r.desc != nil {
		return r.desc
	}
	b := make([]byte, 0, 32+len(r.sdp))
	b = append(b, `{"type":"`...)
	b = append(b, r.kind...)
	b = append(b, `","sdp":`...)
	b = append(b, r.sdp...)
	r.desc = append(b, '}')
	return r.desc
}

func isNull(raw json.RawMessage) bool { return string(raw) == "null" }

// render gives the bytes to send to dst, or nil when dst's dialect has no
// way to say it (bye, end-of-candidates for the tutorial pages). It records
// the role dialect's offer partner. Called with the hub locked.
func (r *relay) render(dst *peer) []byte {
	switch dst.dialect {
	case dialectRole:
		switch r.kind {
		case TypeOffer:
			dst.partner = r.from
			return wrap(`{"type":"createOffer","sdp":`, r.description(), `}`)
		case TypeAnswer:
			dst.partner = r.from
			return wrap(`{"type":"createAnswer","sdp":`, r.description(), `}`)
		case TypeCandidate:
			if !isNull(r.cand) {
				return wrap(`{"type":"iceCandidate","candidate":`, r.cand, `}`)
			}
		}
		return nil
	case dialectAction:
		switch r.kind {
		case TypeOffer:
			return wrap(`{"action":"offer","data":{"offer":`, r.description(), `,"remoteId":"`+r.from+`"}}`)
		case TypeAnswer:
			return wrap(`{"action":"answer","data":{"answer":`, r.description(), `}}`)
		case TypeCandidate:
			if !isNull(r.cand) {
				return wrap(`{"action":"iceCandidate","data":{"candidate":`, r.cand, `}}`)
			}
		}
		return nil
	}
	return r.nativeBytes()
}

func wrap(head string, body []byte, tail string) []byte {
	b := make([]byte, 0, len(head)+len(body)+len(tail))
	return append(append(append(b, head...), body...), tail...)
}
