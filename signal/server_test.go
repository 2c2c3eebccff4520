package signal

import (
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

func TestWelcomeAndPresence(t *testing.T) {
	_, url := testServer(t, ServerConfig{})
	a := dialRaw(t, url)
	wa := a.join("r1", RoleSender)
	for _, k := range []string{"id", "room", "role", "peers", "resume", "resumed", "iceServers"} {
		if _, ok := wa[k]; !ok {
			t.Fatalf("welcome lacks %q: %v", k, wa)
		}
	}
	if len(idOf(wa)) < 22 || wa["resumed"] != false || len(wa["peers"].([]any)) != 0 {
		t.Fatalf("bad first welcome: %v", wa)
	}
	b := dialRaw(t, url)
	wb := b.join("r1", RoleReceiver)
	peers := wb["peers"].([]any)
	if len(peers) != 1 || peers[0].(obj)["id"] != idOf(wa) || peers[0].(obj)["role"] != "sender" || peers[0].(obj)["name"] != "sender-name" {
		t.Fatalf("welcome.peers = %v", peers)
	}
	pj := a.expect(TypePeerJoined)["peer"].(obj)
	if pj["id"] != idOf(wb) || pj["role"] != "receiver" {
		t.Fatalf("peer-joined = %v", pj)
	}
	if idOf(wa) == idOf(wb) {
		t.Fatal("two connections got the same id")
	}

	// leave: the other side hears at once, the connection stays usable and
	// keeps its id.
	b.send(obj{"type": "leave"})
	if got := a.expect(TypePeerLeft); got["id"] != idOf(wb) {
		t.Fatalf("peer-left = %v", got)
	}
	b.barrier()
	if again := b.join("r1", RoleReceiver); idOf(again) != idOf(wb) {
		t.Fatalf("id after leave and join: %s, was %s", idOf(again), idOf(wb))
	}
	a.expect(TypePeerJoined)

	// A close frame with 1000 ends the session at once too.
	b.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	a.expect(TypePeerLeft)
}

func TestRelayStampsFrom(t *testing.T) {
	_, url := testServer(t, ServerConfig{})
	a, b := dialRaw(t, url), dialRaw(t, url)
	wa := a.join("r", RoleSender)
	wb := b.join("r", RoleReceiver)
	a.expect(TypePeerJoined)
	idA, idB := idOf(wa), idOf(wb)
	sdp := "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=\"quoted\" \\ back\r\n"
	cases := []struct {
		name string
		send obj
		want func(obj) bool
	}{
		{"offer", obj{"type": "offer", "to": idB, "sdp": sdp}, func(m obj) bool { return m["sdp"] == sdp }},
		{"answer", obj{"type": "answer", "to": idB, "sdp": "a"}, func(m obj) bool { return m["sdp"] == "a" }},
		{"candidate", obj{"type": "candidate", "to": idB, "candidate": obj{"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host", "sdpMid": "0", "sdpMLineIndex": 0}},
			func(m obj) bool { return m["candidate"].(obj)["sdpMid"] == "0" }},
		{"end-of-candidates", obj{"type": "candidate", "to": idB, "candidate": nil}, func(m obj) bool { v, ok := m["candidate"]; return ok && v == nil }},
		{"bye", obj{"type": "bye", "to": idB}, func(m obj) bool { return true }},
		{"forged from", obj{"type": "bye", "to": idB, "from": "forged"}, func(m obj) bool { return true }},
		// Keys are exact, as JavaScript reads them: "FROM" is just an
		// unknown field, relayed as is; from is the server's.
		{"case variants are other fields", obj{"type": "bye", "to": idB, "FROM": "forged", "From": 7}, func(m obj) bool { return m["FROM"] == "forged" }},
		{"unknown fields pass", obj{"type": "offer", "to": idB, "sdp": "x", "x-extra": obj{"k": 1}}, func(m obj) bool { return m["x-extra"] != nil }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a.send(tc.send)
			m := b.expect(tc.send["type"].(string))
			if m["from"] != idA || !tc.want(m) {
				t.Fatalf("relayed %v", m)
			}
		})
	}
	// Raw text with the from field first and odd spacing.
	a.sendText(` { "from" : "evil", "type":"bye","to":"` + idB + `" }  `)
	if m := b.expect(TypeBye); m["from"] != idA {
		t.Fatalf("relayed %v", m)
	}
}

func TestErrors(t *testing.T) {
	_, url := testServer(t, ServerConfig{RoomSize: 2})
	other := dialRaw(t, url)
	otherID := idOf(other.join("elsewhere", RolePeer))

	cases := []struct {
		name   string
		joined bool
		msg    string
		code   string
	}{
		{"not json", false, `hello`, CodeBadJSON},
		{"truncated json", false, `{"type":"join"`, CodeBadJSON},
		{"array", false, `[1,2]`, CodeBadJSON},
		{"string", false, `"join"`, CodeBadJSON},
		{"number", false, `42`, CodeBadJSON},
		{"no type", false, `{"room":"x"}`, CodeBadMessage},
		{"type not a string", false, `{"type":5}`, CodeBadMessage},
		{"unknown type", false, `{"type":"dance"}`, CodeUnknownType},
		{"relay before join", false, `{"type":"offer","to":"x","sdp":"s"}`, CodeNotJoined},
		{"leave before join", false, `{"type":"leave"}`, CodeNotJoined},
		{"join without room", false, `{"type":"join"}`, CodeBadMessage},
		{"bad room", false, `{"type":"join","room":"a/b"}`, CodeBadMessage},
		{"long room", false, `{"type":"join","room":"` + strings.Repeat("r", 65) + `"}`, CodeBadMessage},
		{"bad role", false, `{"type":"join","room":"a","role":"king"}`, CodeBadMessage},
		{"long name", false, `{"type":"join","room":"a","name":"` + strings.Repeat("é", 65) + `"}`, CodeBadMessage},
		{"join twice", true, `{"type":"join","room":"a"}`, CodeAlreadyJoined},
		{"offer without to", true, `{"type":"offer","sdp":"s"}`, CodeBadMessage},
		{"offer sdp not string", true, `{"type":"offer","to":"x","sdp":{"sdp":"s"}}`, CodeBadMessage},
		{"candidate not object", true, `{"type":"candidate","to":"x","candidate":"c"}`, CodeBadMessage},
		{"unknown peer", true, `{"type":"offer","to":"nobody","sdp":"s"}`, CodeUnknownPeer},
		{"peer of another room", true, `{"type":"offer","to":"` + otherID + `","sdp":"s"}`, CodeUnknownPeer},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, url)
			if tc.joined {
				c.join("errors", RolePeer)
			}
			c.sendText(tc.msg)
			c.expectError(tc.code)
			c.barrier() // the connection stays open and working
		})
	}

	t.Run("binary frame", func(t *testing.T) {
		c := dialRaw(t, url)
		c.ws.WriteMessage(websocket.BinaryMessage, []byte(`{"type":"ping"}`))
		c.expectError(CodeBadMessage)
		c.barrier()
	})
	t.Run("room full", func(t *testing.T) {
		a, b, c := dialRaw(t, url), dialRaw(t, url), dialRaw(t, url)
		a.join("full", RolePeer)
		b.join("full", RolePeer)
		c.send(obj{"type": "join", "room": "full"})
		if m := c.expectError(CodeRoomFull); m["ref"] != "join" {
			t.Fatalf("ref = %v", m["ref"])
		}
		c.barrier()
	})
	// The other room's peer heard nothing of all this.
	other.barrier()
}

func TestQueryFillsJoin(t *testing.T) {
	_, url := testServer(t, ServerConfig{})
	c := dialRaw(t, url+"?room=q&role=receiver&name=bob")
	c.send(obj{"type": "join"})
	w := c.expect(TypeWelcome)
	if w["room"] != "q" || w["role"] != "receiver" {
		t.Fatalf("welcome %v", w)
	}
	d := dialRaw(t, url+"?room=q")
	d.send(obj{"type": "join", "role": "sender"})
	peers := d.expect(TypeWelcome)["peers"].([]any)
	if len(peers) != 1 || peers[0].(obj)["name"] != "bob" {
		t.Fatalf("peers %v", peers)
	}
}

func TestUpgradeOnRootAndHealth(t *testing.T) {
	_, url := testServer(t, ServerConfig{})
	root := strings.TrimSuffix(url, "/ws")
	c := dialRaw(t, root+"/")
	c.join("x", RolePeer)
	c.barrier()
}
