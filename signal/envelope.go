package signal

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// parseEnvelope replaces json.Unmarshal(data, &inbound) on the relay's hot
// path. jsontext validates the whole frame (RFC 8259) in place and hands
// back the top-level values as sub-slices of it, so nested values are
// validated without building anything, and the SDP is never copied.
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

// tooDeepText is the error text for a message nested deeper than that.
const tooDeepText = "nested too deeply: objects and arrays may nest 64 levels"

// Duplicate names are allowed because the last one wins, as in
// encoding/json and JSON.parse. jsontext's UTF-8 check also refuses escaped
// lone surrogates ("\ud800"), which are valid JSON (encoding/json decodes
// them to U+FFFD), so a frame it refuses is parsed again without the check
// if it is valid UTF-8 after all.
var (
	envelopeOptions  = []jsontext.Options{jsontext.AllowDuplicateNames(true)}
	surrogateOptions = []jsontext.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}
)

// envelopeDecoder reads one frame. From a bytes.Buffer jsontext parses the
// frame where it lies, without copying it into a buffer of its own, and
// never writes to it; pooling keeps its state machine's stacks.
type envelopeDecoder struct {
	src bytes.Buffer
	dec jsontext.Decoder
}

var envelopeDecoders = sync.Pool{New: func() any { return new(envelopeDecoder) }}

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
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return noSpan, CodeBadJSON, "a message must be a JSON object"
	}
	d := envelopeDecoders.Get().(*envelopeDecoder)
	from, typeErr, err := d.parse(data, in, envelopeOptions)
	if err != nil && utf8.Valid(data) {
		*in = inbound{}
		from, typeErr, err = d.parse(data, in, surrogateOptions)
	}
	d.src = bytes.Buffer{}
	d.dec.Reset(&d.src) // let go of data
	envelopeDecoders.Put(d)
	switch {
	case errors.Is(err, errTooDeep):
		*in = inbound{}
		return noSpan, CodeBadJSON, tooDeepText
	case err != nil:
		*in = inbound{}
		return noSpan, CodeBadJSON, "not valid JSON"
	case typeErr != "":
		return noSpan, CodeBadMessage, typeErr
	}
	return from, "", ""
}

// parse reads the object in data member by member. typeErr names the first
// known field with a value of the wrong type.
func (d *envelopeDecoder) parse(data []byte, in *inbound, opts []jsontext.Options) (from memberSpan, typeErr string, err error) {
	d.src = *bytes.NewBuffer(data)
	dec := &d.dec
	dec.Reset(&d.src, opts...)
	if _, err := dec.ReadToken(); err != nil { // the '{' checked above
		return noSpan, "", err
	}
	from = noSpan
	prevEnd := int(dec.InputOffset()) // the end of the previous member
	for i := 0; dec.PeekKind() == '"'; i++ {
		key, err := dec.ReadValue()
		if err != nil {
			return noSpan, "", err
		}
		keyEnd := int(dec.InputOffset())
		keyStart := keyEnd - len(key)
		// The member's span starts at the comma before it; the first
		// member's starts at its key and takes the comma after it.
		start := keyStart
		if i > 0 {
			start = prevEnd + bytes.IndexByte(data[prevEnd:keyStart], ',')
			if i == 1 && from.n == 1 {
				from.end = start + 1
			}
		}
		val, err := readValue(dec, data)
		if err != nil {
			return noSpan, "", err
		}
		prevEnd = int(dec.InputOffset())
		switch f := keyField(key); {
		case f == fieldNone:
		case f >= fieldFrom:
			*rawField(in, f) = val
			if f == fieldFrom {
				from.n++
				from.start, from.end = start, prevEnd
			}
		case val[0] == '"':
			setString(stringField(in, f), val)
		case val[0] == 'n':
			// null: left as it was, as encoding/json does
		default:
			if typeErr == "" {
				typeErr = wrongType[f]
			}
		}
	}
	if _, err := dec.ReadToken(); err != nil { // '}', or the error PeekKind met
		return noSpan, "", err
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return noSpan, "", errTrailingData
	}
	return from, typeErr, nil
}

// readValue reads the next value and returns it as a capped sub-slice of
// data. Containers go token by token so that nesting is checked as it
// deepens (see errTooDeep); everything else is one ReadValue.
func readValue(dec *jsontext.Decoder, data []byte) ([]byte, error) {
	if k := dec.PeekKind(); k != '{' && k != '[' {
		return dec.ReadValue()
	}
	depth := dec.StackDepth()
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	start := int(dec.InputOffset()) - 1
	for dec.StackDepth() > depth {
		if dec.StackDepth() > maxEnvelopeDepth {
			return nil, errTooDeep
		}
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
	}
	end := int(dec.InputOffset())
	return data[start:end:end], nil
}
