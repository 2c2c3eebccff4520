package signal

import (
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"unicode/utf8"
)

// This file is a single-pass replacement for json.Unmarshal(data, &inbound)
// on the relay's hot path. It validates the whole frame (JSON grammar of
// RFC 8259 and UTF-8) and picks out the top-level envelope fields without
// building anything for the rest: nested values are only validated, and the
// raw fields are sub-slices of the frame.
//
// Differences from encoding/json, all deliberate:
//
//   - Keys match exactly. encoding/json matches struct fields
//     case-insensitively ("TYPE" fills Type); the recipients of our messages
//     are JavaScript pages and clients, which read keys case-sensitively, so
//     the server must see the same fields they do. "TYPE", "From" and so on
//     are ordinary unknown members: validated, ignored, relayed as they are.
//   - Invalid UTF-8 anywhere is bad-json (encoding/json silently turns it
//     into U+FFFD). A browser closes a WebSocket whose text frame is not
//     UTF-8, so relaying such bytes would kill the recipient's connection.
//     Escapes are another matter: "\ud800" is valid JSON and is accepted,
//     decoding to U+FFFD as in encoding/json.
//   - Containers nest at most maxEnvelopeDepth deep (encoding/json allows
//     10000); deeper is bad-json.
//   - Raw fields alias data instead of being copied (see parseEnvelope).
//
// What stays the same: a string field given null is left as it was (so in
// {"to":"a","to":null} to is "a"), any other non-string value is a
// bad-message naming the first such field in document order, a duplicate
// key's last value wins, and bad-json takes precedence over bad-message.

// maxEnvelopeDepth is how deeply objects and arrays may nest in a message,
// counting the top-level object as 1.
const maxEnvelopeDepth = 64

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

// maxFieldName is the length of the longest envelope key, "candidate".
const maxFieldName = 9

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

// keyField maps a key's body (the bytes between its quotes) to its field.
// A key with escapes is unescaped first, so "\u0074ype" is type.
func keyField(body []byte, escaped bool) int {
	if !escaped {
		return fieldOf(string(body)) // no allocation: the compiler compares in place
	}
	// Every field name is short ASCII, so a key that unescapes to anything
	// longer or to a non-ASCII character names no field.
	var buf [maxFieldName]byte
	n := 0
	for i := 0; i < len(body); n++ {
		if n == len(buf) {
			return fieldNone
		}
		c := body[i]
		switch {
		case c >= utf8.RuneSelf:
			return fieldNone
		case c != '\\':
			i++
		case body[i+1] != 'u': // the scanner has checked every escape
			c = unescapeChar[body[i+1]]
			i += 2
		default:
			r := hexValue(body[i+2 : i+6])
			if r >= utf8.RuneSelf {
				return fieldNone
			}
			c = byte(r)
			i += 6
		}
		buf[n] = c
	}
	return fieldOf(string(buf[:n]))
}

var unescapeChar = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// hexValue decodes four hexadecimal digits the scanner has checked.
func hexValue(h []byte) rune {
	var r rune
	for _, c := range h[:4] {
		r <<= 4
		switch {
		case c <= '9':
			r |= rune(c - '0')
		case c >= 'a':
			r |= rune(c - 'a' + 10)
		default:
			r |= rune(c - 'A' + 10)
		}
	}
	return r
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

// parseEnvelope validates that data is exactly one JSON value (RFC 8259,
// with surrounding whitespace allowed), that it is an object, and that it
// is valid UTF-8 everywhere (WebSocket text frames must be UTF-8; a browser
// drops the connection otherwise), and fills in with the top-level fields.
// It returns the same (code, text) contract as decode(): code CodeBadJSON
// when data is not a JSON object or not valid JSON/UTF-8, CodeBadMessage
// with text naming the field when a known field has the wrong JSON type
// (type/action/room/role/name/token/resume/to must be strings or null;
// from/sdp/candidate/data are kept raw, any type), "" on success.
//
// in is reset first; after bad-json it is left zero, as decode leaves it;
// after bad-message it holds every field that did have the right type.
// Keys match case-sensitively (see the top of this file).
//
// The raw fields are sub-slices of data, with their capacity cut to their
// length, not copies: they are valid only as long as data is, which on the
// server is until handle returns and the frame buffer goes back to its
// pool. Anything that keeps one longer must copy it. String fields are
// always fresh strings (or constants), never aliases of data.
//
// from locates the top-level "from" member (from.n == 0 when there is none)
// so that the caller can cut the client's from out of the bytes it relays;
// see cutMember. It is noSpan unless code is "".
//
// On the fast path (no escapes in the envelope's strings) the only
// allocations are one string per string field whose value is not one of
// the protocol's constants (typically just to's peer id).
func parseEnvelope(data []byte, in *inbound) (from memberSpan, code, text string) {
	*in = inbound{}
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return noSpan, CodeBadJSON, "a message must be a JSON object"
	}
	from = noSpan
	typeErr := ""
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		i++
	} else {
		comma := -1 // the comma before the current member, -1 for the first
		for {
			if i >= len(data) || data[i] != '"' {
				goto bad
			}
			keyStart := i
			keyEnd, keyEsc := scanString(data, i)
			if keyEnd < 0 {
				goto bad
			}
			f := keyField(data[keyStart+1:keyEnd-1], keyEsc)
			i = skipSpace(data, keyEnd)
			if i >= len(data) || data[i] != ':' {
				goto bad
			}
			valStart := skipSpace(data, i+1)
			valEnd, valEsc := 0, false
			if valStart < len(data) && data[valStart] == '"' {
				valEnd, valEsc = scanString(data, valStart)
			} else {
				valEnd = skipValue(data, valStart, 1)
			}
			if valEnd < 0 {
				goto bad
			}
			switch {
			case f == fieldNone:
			case f >= fieldFrom:
				*rawField(in, f) = data[valStart:valEnd:valEnd]
				if f == fieldFrom {
					from.n++
					if comma >= 0 {
						from.start, from.end = comma, valEnd
					} else {
						from.start, from.end = keyStart, valEnd // extended below if a comma follows
					}
				}
			case data[valStart] == '"':
				setString(stringField(in, f), data[valStart:valEnd], valEsc)
			case data[valStart] == 'n':
				// null: left as it was, as encoding/json does
			default:
				if typeErr == "" {
					typeErr = wrongType[f]
				}
			}
			i = skipSpace(data, valEnd)
			if i >= len(data) {
				goto bad
			}
			if data[i] == '}' {
				i++
				break
			}
			if data[i] != ',' {
				goto bad
			}
			if f == fieldFrom && comma < 0 {
				from.end = i + 1
			}
			comma = i
			i = skipSpace(data, i+1)
		}
	}
	if skipSpace(data, i) != len(data) {
		goto bad
	}
	if typeErr != "" {
		return noSpan, CodeBadMessage, typeErr
	}
	return from, "", ""
bad:
	*in = inbound{}
	return noSpan, CodeBadJSON, "not valid JSON"
}

// setString stores the JSON string raw (quotes included, already
// validated) in dst.
func setString(dst *string, raw []byte, escaped bool) {
	if escaped {
		// Rare: let encoding/json deal with escapes and surrogate pairs.
		// It cannot fail on a validated string. Decoding into a local
		// keeps dst (and so the caller's inbound) off the heap.
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

// cutMember returns a copy of data without data[start:end], typically a
// memberSpan from parseEnvelope: cutMember(data, from.start, from.end) is
// the message without the client's "from", still a valid JSON object
// (whitespace around the cut is kept). data is not modified, since the raw
// fields parseEnvelope returned point into it.
func cutMember(data []byte, start, end int) []byte {
	b := make([]byte, 0, len(data)-(end-start))
	return append(append(b, data[:start]...), data[end:]...)
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON whitespace.
func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// Masks for looking at a string body eight bytes at a time.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// scanString checks the JSON string whose opening quote is data[i] and
// returns the index just past its closing quote, and whether it contains a
// backslash; the index is -1 when the string is unterminated, holds a
// control character or a bad escape, or is not valid UTF-8.
func scanString(data []byte, i int) (int, bool) {
	i++
	escaped := false
	for {
		// Skip eight ordinary bytes at a time. A byte needs a look when it
		// is '"', '\\', below 0x20 or from 0x80 up. For each of those
		// tests, x-ones*n sets the high bit of a byte that equals n (after
		// the xor) or is below it; a byte at 0x80 or above is caught by x
		// itself. A borrow can also flag bytes above a flagged one, never
		// below, so the lowest flag is exact.
		for i+8 <= len(data) {
			x := binary.LittleEndian.Uint64(data[i:])
			m := ((x ^ (ones * '"')) - ones) | ((x ^ (ones * '\\')) - ones) | (x - ones*0x20) | x
			if m &= highs; m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		for i < len(data) && plainByte[data[i]] {
			i++
		}
		if i >= len(data) {
			return -1, escaped
		}
		switch c := data[i]; {
		case c == '"':
			return i + 1, escaped
		case c == '\\':
			escaped = true
			if i+1 >= len(data) {
				return -1, escaped
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(data) || !hexDigit[data[i+2]] || !hexDigit[data[i+3]] || !hexDigit[data[i+4]] || !hexDigit[data[i+5]] {
					return -1, escaped
				}
				i += 6
			default:
				return -1, escaped
			}
		case c < 0x20:
			return -1, escaped
		default: // c >= 0x80
			// DecodeRune rejects overlong forms, surrogates and anything
			// past U+10FFFF as (RuneError, 1); a real U+FFFD is 3 bytes.
			_, size := utf8.DecodeRune(data[i:])
			if size == 1 {
				return -1, escaped
			}
			i += size
		}
	}
}

// plainByte is true for the bytes that a string body may hold as they are,
// and that need no further look: printable ASCII other than '"' and '\\'.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

var hexDigit = func() (t [256]bool) {
	for _, c := range "0123456789abcdefABCDEF" {
		t[c] = true
	}
	return t
}()

// skipValue checks the JSON value at data[i] (whitespace already skipped)
// and returns the index just past it, or -1 when it is not valid. depth is
// the number of containers open around the value; opening one more than
// maxEnvelopeDepth in all is an error. It loops rather than recursing, so
// no input can exhaust the stack.
func skipValue(data []byte, i, depth int) int {
	var objects uint64 // bit k: the container k+1 levels out is an object
	open := 0          // containers opened here and not yet closed
	for {
		// i is at the start of a value.
		if i >= len(data) {
			return -1
		}
		switch c := data[i]; c {
		case '"':
			i, _ = scanString(data, i)
		case '{', '[':
			if depth+open >= maxEnvelopeDepth {
				return -1
			}
			objects <<= 1
			if c == '{' {
				objects |= 1
			}
			open++
			i = skipSpace(data, i+1)
			if i < len(data) && data[i] == c+2 { // '{'+2 is '}', '['+2 is ']'
				i++
				open--
				objects >>= 1
				break // an empty container is a complete value
			}
			if c == '{' {
				i = skipKey(data, i)
			}
			if i < 0 {
				return -1
			}
			continue
		case 't':
			i = skipLiteral(data, i, "true")
		case 'f':
			i = skipLiteral(data, i, "false")
		case 'n':
			i = skipLiteral(data, i, "null")
		default:
			i = skipNumber(data, i)
		}
		if i < 0 {
			return -1
		}
		// A value is complete: close what it completes, then move to the
		// next value.
		for {
			if open == 0 {
				return i
			}
			i = skipSpace(data, i)
			if i >= len(data) {
				return -1
			}
			inObject := objects&1 == 1
			if c := data[i]; c == '}' && inObject || c == ']' && !inObject {
				i++
				open--
				objects >>= 1
				continue
			} else if c != ',' {
				return -1
			}
			i = skipSpace(data, i+1)
			if inObject {
				if i = skipKey(data, i); i < 0 {
					return -1
				}
			}
			break
		}
	}
}

// skipKey checks an object key and its colon at data[i] and returns the
// index of the value that follows, or -1.
func skipKey(data []byte, i int) int {
	if i >= len(data) || data[i] != '"' {
		return -1
	}
	if i, _ = scanString(data, i); i < 0 {
		return -1
	}
	i = skipSpace(data, i)
	if i >= len(data) || data[i] != ':' {
		return -1
	}
	return skipSpace(data, i+1)
}

func skipLiteral(data []byte, i int, lit string) int {
	if len(data)-i < len(lit) || string(data[i:i+len(lit)]) != lit {
		return -1
	}
	return i + len(lit)
}

// skipNumber checks -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at
// data[i] and returns the index past it, or -1. What follows is the
// caller's to check, so 01 fails there.
func skipNumber(data []byte, i int) int {
	if i < len(data) && data[i] == '-' {
		i++
	}
	switch {
	case i >= len(data):
		return -1
	case data[i] == '0':
		i++
	case '1' <= data[i] && data[i] <= '9':
		i = skipDigits(data, i+1)
	default:
		return -1
	}
	if i < len(data) && data[i] == '.' {
		j := skipDigits(data, i+1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		j := skipDigits(data, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

func skipDigits(data []byte, i int) int {
	for i < len(data) && '0' <= data[i] && data[i] <= '9' {
		i++
	}
	return i
}
