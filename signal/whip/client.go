package whip

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/webrtc-cli/webrtc-cli/signal"
)

// Client offers to a WHIP or WHEP endpoint.
type Client struct {
	Endpoint string
	Bearer   string       // sent as "Authorization: Bearer TOKEN" if set
	HTTP     *http.Client // nil: one with a 30 s timeout
	Kind     Kind         // names the protocol in errors
}

// ClientSession is the session a Client's offer created on the server.
// (Session is the server side's.) Its methods are serialized, so PATCHes
// reach the server in order.
type ClientSession struct {
	// URL is the session's absolute URL, resolved against the endpoint
	// URL after redirects; "" if the server sent no Location.
	URL    string
	Answer string // the server's SDP answer
	// ETag is the session's entity tag, updated by Restart; read it
	// only while no method runs.
	ETag       string
	ICEServers []signal.ICEServer // from the answer's Link headers

	c  Client
	mu sync.Mutex
}

// HTTPError is a response with a status that refused the request.
type HTTPError struct {
	Kind       Kind
	Op         string // "offer", "trickle", "restart" or "delete"
	Status     int
	StatusText string // "Unauthorized"
	Body       string // the start of the body on one line, if any
}

func (e *HTTPError) Error() string {
	what := map[string]string{
		"offer":   "endpoint refused the offer",
		"trickle": "session refused the candidates",
		"restart": "session refused the ICE restart",
		"delete":  "session refused the DELETE",
	}[e.Op]
	if what == "" {
		what = "server refused " + e.Op
	}
	s := fmt.Sprintf("%s %s: %d %s", e.Kind, what, e.Status, e.StatusText)
	if e.Body != "" {
		s += ": " + e.Body
	}
	return s
}

const (
	maxResponse  = 1 << 20 // bytes of an answer or sdpfrag
	maxErrorBody = 300     // bytes of a refusal kept in HTTPError
)

var defaultHTTP = &http.Client{Timeout: 30 * time.Second}

// Offer POSTs an SDP offer and returns the session with its answer. It
// follows 307 and 308 redirects with the offer. An answer is a 200 or
// 201 with Content-Type application/sdp or, for servers that label it
// otherwise, a body that starts with "v=0".
func (c *Client) Offer(ctx context.Context, offer string) (*ClientSession, error) {
	resp, body, err := c.do(ctx, http.MethodPost, c.Endpoint, typeSDP, offer, "")
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, c.refused("offer", resp, body)
	}
	t, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	created := resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK
	isSDP := t == typeSDP && len(body) > 0 || strings.HasPrefix(string(body), "v=0")
	if !created || !isSDP {
		return nil, fmt.Errorf("%w: %s %s with Content-Type %q", ErrNoAnswer, c.Kind, resp.Status, t)
	}
	s := &ClientSession{Answer: string(body), ETag: resp.Header.Get("ETag"), ICEServers: ParseLinks(resp.Header), c: *c}
	if loc := resp.Header.Get("Location"); loc != "" {
		u, err := resp.Request.URL.Parse(loc)
		if err != nil {
			return nil, fmt.Errorf("%s endpoint: bad Location %q: %w", c.Kind, loc, err)
		}
		// Some servers (pion's example) give the endpoint itself: they
		// have no session resource, and a PATCH or DELETE there would be
		// taken for another offer.
		if u.String() != resp.Request.URL.String() {
			s.URL = u.String()
		}
	}
	return s, nil
}

// Trickle PATCHes candidates to the session. It returns
// ErrTrickleUnsupported (wrapping the *HTTPError) on a 405 or 501, after
// which the caller should stop trickling, and ErrNoSession if the server
// gave no session URL.
func (s *ClientSession) Trickle(ctx context.Context, f Frag) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.URL == "" {
		return ErrNoSession
	}
	resp, body, err := s.c.do(ctx, http.MethodPatch, s.URL, typeFrag, string(f.Marshal()), s.ETag)
	switch {
	case err != nil:
		return err
	case resp.StatusCode/100 == 2:
		return nil
	case resp.StatusCode == http.StatusMethodNotAllowed || resp.StatusCode == http.StatusNotImplemented:
		return fmt.Errorf("%w: %w", ErrTrickleUnsupported, s.c.refused("trickle", resp, body))
	}
	return s.c.refused("trickle", resp, body)
}

// Restart sends the client's new ICE ufrag, pwd and candidates and
// returns the server's, updating ETag (RFC 9725 §4.4.2).
func (s *ClientSession) Restart(ctx context.Context, f Frag) (Frag, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.URL == "" {
		return Frag{}, ErrNoSession
	}
	resp, body, err := s.c.do(ctx, http.MethodPatch, s.URL, typeFrag, string(f.Marshal()), "*")
	if err != nil {
		return Frag{}, err
	}
	if resp.StatusCode/100 != 2 {
		return Frag{}, s.c.refused("restart", resp, body)
	}
	answer, err := ParseFrag(body)
	if err == nil {
		if u, p := answer.Credentials(); u == "" || p == "" {
			err = fmt.Errorf("%w: %s %s without ice-ufrag and ice-pwd", ErrNoAnswer, s.c.Kind, resp.Status)
		}
	}
	if err != nil {
		return Frag{}, err
	}
	if etag := resp.Header.Get("ETag"); etag != "" {
		s.ETag = etag
	}
	return answer, nil
}

// Delete ends the session on the server.
func (s *ClientSession) Delete(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.URL == "" {
		return ErrNoSession
	}
	resp, body, err := s.c.do(ctx, http.MethodDelete, s.URL, "", "", "")
	if err == nil && resp.StatusCode/100 != 2 {
		err = s.c.refused("delete", resp, body)
	}
	return err
}

// do sends one request and reads at most maxResponse bytes of the reply.
// A strings.Reader body lets net/http replay it on a 307 or 308.
func (c *Client) do(ctx context.Context, method, url, ctype, body, ifMatch string) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", c.Kind, err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	if c.Bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.Bearer)
	}
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", c.Kind, explain(ctx, err, url))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err == nil && len(b) > maxResponse {
		err = fmt.Errorf("response over %d bytes", maxResponse)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s %s: %w", c.Kind, method, url, explain(ctx, err, url))
	}
	if resp.StatusCode == http.StatusBadRequest && strings.HasPrefix(url, "http:") && strings.Contains(string(b), "HTTP request to an HTTPS server") {
		return nil, nil, fmt.Errorf("%s %s %s: %s; this endpoint speaks TLS: use %s", c.Kind, method, url, strings.TrimSpace(string(b)), "https"+strings.TrimPrefix(url, "http"))
	}
	return resp, b, nil
}

// refused makes the *HTTPError of a response, keeping the start of its
// body on one line, without control characters a terminal would obey.
func (c *Client) refused(op string, resp *http.Response, body []byte) *HTTPError {
	text := strings.TrimPrefix(resp.Status, strconv.Itoa(resp.StatusCode))
	if text = strings.TrimSpace(text); text == "" {
		text = http.StatusText(resp.StatusCode)
	}
	msg := strings.Join(strings.FieldsFunc(string(body), func(r rune) bool {
		return r == ' ' || isControl(r) || r == '\uFFFD'
	}), " ")
	if len(msg) > maxErrorBody {
		cut := maxErrorBody
		for cut > 0 && msg[cut]&0xC0 == 0x80 { // not inside a UTF-8 sequence
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return &HTTPError{Kind: c.Kind, Op: op, Status: resp.StatusCode, StatusText: text, Body: msg}
}
