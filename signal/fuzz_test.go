package signal

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

var fuzzSeeds = []string{
	`{"type":"join","room":"r","role":"sender","name":"n"}`,
	`{"type":"offer","to":"x","sdp":"v=0\r\n"}`,
	`{"type":"candidate","to":"x","candidate":null}`,
	`{"type":"candidate","to":"x","candidate":{"candidate":"c","sdpMid":"0"}}`,
	`{"type":"bye","to":"x","from":"forged"}`,
	`{"type":"bye","to":"x","FROM":1, "from" : [] }`,
	`{"type":"sender"}`, `{"type":"createOffer","sdp":{"type":"offer","sdp":"s"}}`,
	`{"action":"start"}`, `{"action":"offer","data":{"offer":{"sdp":"s"},"remoteId":"x"}}`,
	`{}`, ` {} `, `[]`, `null`, `"s"`, `{"type":"join","room":5}`,
}

// FuzzSplice checks the hot path's byte surgery: whatever object a client
// sends, the relayed bytes are valid JSON whose from is the server's.
func FuzzSplice(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, span, code, _ := decode(data)
		if code != "" {
			return
		}
		out := stampFrom(data, span, "SERVER")
		// Exact keys, last duplicate wins: what JSON.parse sees.
		var back map[string]json.RawMessage
		if err := json.Unmarshal(out, &back); err != nil || string(back["from"]) != `"SERVER"` {
			t.Fatalf("relayed %q from %q: from=%s err=%v", out, data, back["from"], err)
		}
	})
}

// FuzzDispatch sends each input as a frame to a real server on a joined
// connection (and a fresh one), then proves with a ping that the server is
// still serving it. A panic anywhere in the server fails the fuzzer.
func FuzzDispatch(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	_, url := testServer(f, ServerConfig{Rate: -1, RoomSize: 1 << 20})
	f.Fuzz(func(t *testing.T, msg string) {
		for _, joined := range []bool{false, true} {
			ws, _, err := websocket.DefaultDialer.Dial(url, nil)
			if err != nil {
				t.Fatal(err)
			}
			if joined {
				ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"join","room":"fuzz"}`))
			}
			ws.WriteMessage(websocket.TextMessage, []byte(msg))
			ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping"}`))
			ws.SetReadDeadline(time.Now().Add(wait))
			for {
				_, data, err := ws.ReadMessage()
				if err != nil {
					// Only a fatal error may close: unauthorized, too-large.
					if !websocket.IsCloseError(err, ClosePolicy, CloseTooLarge) {
						t.Fatalf("input %q: connection ended: %v", msg, err)
					}
					break
				}
				if !json.Valid(data) {
					t.Fatalf("input %q: server sent invalid JSON %q", msg, data)
				}
				// An action-dialect connection has no ping: it answers the
				// barrier with an error about the missing action.
				if string(data) == `{"type":"pong"}` || strings.Contains(string(data), "missing field action") {
					break
				}
			}
			ws.Close()
		}
	})
}
