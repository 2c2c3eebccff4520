package signal

import (
	"testing"
)

const sdpText = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n"

// The role dialect: a tutorial sender page and a native receiver, then a native
// sender and a tutorial receiver page.
func TestRoleDialect(t *testing.T) {
	_, url := testServer(t, ServerConfig{})

	t.Run("page sender to native receiver", func(t *testing.T) {
		recv := dialRaw(t, url+"?room=a1")
		wr := recv.join("a1", RoleReceiver)
		page := dialRaw(t, url+"?room=a1")
		page.send(obj{"type": "sender"})
		pj := recv.expect(TypePeerJoined)["peer"].(obj) // natives see the page in presence
		if pj["role"] != "sender" {
			t.Fatalf("presence %v", pj)
		}
		page.send(obj{"type": "createOffer", "sdp": obj{"type": "offer", "sdp": sdpText}})
		off := recv.expect(TypeOffer)
		if off["sdp"] != sdpText || off["from"] != pj["id"] || off["to"] != idOf(wr) {
			t.Fatalf("translated offer %v", off)
		}
		recv.send(obj{"type": "answer", "to": pj["id"], "sdp": "answer-sdp"})
		ans := page.expect("createAnswer")["sdp"].(obj)
		if ans["type"] != "answer" || ans["sdp"] != "answer-sdp" {
			t.Fatalf("createAnswer %v", ans)
		}
		cand := obj{"candidate": "candidate:1 1 udp 1 127.0.0.1 5000 typ host", "sdpMid": "0", "sdpMLineIndex": 0}
		page.send(obj{"type": "iceCandidate", "candidate": cand})
		if c := recv.expect(TypeCandidate); c["candidate"].(obj)["candidate"] != cand["candidate"] || c["from"] != pj["id"] {
			t.Fatalf("candidate %v", c)
		}
		recv.send(obj{"type": "candidate", "to": pj["id"], "candidate": cand})
		if c := page.expect("iceCandidate"); c["candidate"].(obj)["sdpMid"] != "0" {
			t.Fatalf("iceCandidate %v", c)
		}
		// End-of-candidates and bye do not reach the page.
		recv.send(obj{"type": "candidate", "to": pj["id"], "candidate": nil})
		recv.send(obj{"type": "bye", "to": pj["id"]})
		page.barrier()
	})

	t.Run("native sender to page receiver", func(t *testing.T) {
		page := dialRaw(t, url+"?room=a2")
		page.send(obj{"type": "receiver"})
		page.barrier() // in the room before the sender joins: another connection's join may come first
		send := dialRaw(t, url)
		ws := send.join("a2", RoleSender)
		peers := ws["peers"].([]any)
		if len(peers) != 1 || peers[0].(obj)["role"] != "receiver" {
			t.Fatalf("peers %v", peers)
		}
		pageID := peers[0].(obj)["id"].(string)
		send.send(obj{"type": "offer", "to": pageID, "sdp": sdpText})
		if o := page.expect("createOffer")["sdp"].(obj); o["type"] != "offer" || o["sdp"] != sdpText {
			t.Fatalf("createOffer %v", o)
		}
		page.send(obj{"type": "createAnswer", "sdp": obj{"type": "answer", "sdp": "ans"}})
		if a := send.expect(TypeAnswer); a["sdp"] != "ans" || a["from"] != pageID {
			t.Fatalf("answer %v", a)
		}
	})

	t.Run("page to page, newest receiver", func(t *testing.T) {
		old := dialRaw(t, url+"?room=a3")
		old.send(obj{"type": "receiver"})
		old.barrier()
		newer := dialRaw(t, url+"?room=a3")
		newer.send(obj{"type": "receiver"})
		newer.barrier()
		snd := dialRaw(t, url+"?room=a3")
		snd.send(obj{"type": "sender"})
		snd.send(obj{"type": "createOffer", "sdp": obj{"type": "offer", "sdp": "o"}})
		newer.expect("createOffer")
		newer.send(obj{"type": "createAnswer", "sdp": obj{"type": "answer", "sdp": "a"}})
		snd.expect("createAnswer")
		snd.send(obj{"type": "iceCandidate", "candidate": obj{"candidate": "c"}})
		newer.expect("iceCandidate")
		old.barrier() // the older receiver got nothing
	})

	t.Run("errors keep the native shape", func(t *testing.T) {
		page := dialRaw(t, url+"?room=a4")
		page.send(obj{"type": "sender"})
		page.send(obj{"type": "createOffer", "sdp": obj{"type": "offer", "sdp": "o"}})
		page.expectError(CodeUnknownPeer) // no receiver yet
		page.send(obj{"type": "createOffer", "sdp": "not an object"})
		page.expectError(CodeBadMessage)
		page.send(obj{"type": "sender"})
		page.expectError(CodeAlreadyJoined)
	})
}

func TestActionDialect(t *testing.T) {
	_, url := testServer(t, ServerConfig{})
	a := dialRaw(t, url+"?room=b")
	a.send(obj{"action": "start"})
	idA := a.expect("start")["id"].(string)
	b := dialRaw(t, url+"?room=b")
	b.send(obj{"action": "start"})
	idB := b.expect("start")["id"].(string)
	if len(idA) < 22 || idA == idB {
		t.Fatalf("ids %q %q", idA, idB)
	}

	t.Run("page to page", func(t *testing.T) {
		a.send(obj{"action": "offer", "data": obj{"offer": obj{"type": "offer", "sdp": "o"}, "remoteId": idB}})
		m := b.expect("offer")["data"].(obj)
		if m["remoteId"] != idA || m["offer"].(obj)["sdp"] != "o" {
			t.Fatalf("offer %v", m)
		}
		b.send(obj{"action": "answer", "data": obj{"answer": obj{"type": "answer", "sdp": "a"}, "remoteId": idA}})
		m = a.expect("answer")["data"].(obj)
		if _, has := m["remoteId"]; has || m["answer"].(obj)["sdp"] != "a" {
			t.Fatalf("answer %v", m)
		}
		b.send(obj{"action": "iceCandidate", "data": obj{"candidate": obj{"candidate": "c"}, "remoteId": idA}})
		if m := a.expect("iceCandidate")["data"].(obj); m["candidate"].(obj)["candidate"] != "c" {
			t.Fatalf("candidate %v", m)
		}
	})

	t.Run("native to page and back", func(t *testing.T) {
		n := dialRaw(t, url)
		wn := n.join("b", RolePeer)
		if len(wn["peers"].([]any)) != 2 {
			t.Fatalf("natives see action-dialect pages: %v", wn["peers"])
		}
		n.send(obj{"type": "offer", "to": idA, "sdp": sdpText})
		m := a.expect("offer")["data"].(obj)
		if m["remoteId"] != idOf(wn) || m["offer"].(obj)["type"] != "offer" || m["offer"].(obj)["sdp"] != sdpText {
			t.Fatalf("offer to page %v", m)
		}
		a.send(obj{"action": "answer", "data": obj{"answer": obj{"type": "answer", "sdp": "ans"}, "remoteId": idOf(wn)}})
		if m := n.expect(TypeAnswer); m["sdp"] != "ans" || m["from"] != idA {
			t.Fatalf("answer to native %v", m)
		}
		a.send(obj{"action": "iceCandidate", "data": obj{"candidate": obj{"candidate": "c", "sdpMid": "0"}, "remoteId": idOf(wn)}})
		if m := n.expect(TypeCandidate); m["candidate"].(obj)["sdpMid"] != "0" {
			t.Fatalf("candidate to native %v", m)
		}
		n.send(obj{"type": "candidate", "to": idA, "candidate": nil}) // not forwarded
		n.send(obj{"type": "bye", "to": idA})                         // not forwarded
		a.barrierAction()
	})

	t.Run("errors in the action dialect's shape", func(t *testing.T) {
		a.send(obj{"action": "offer", "data": obj{"offer": obj{"type": "offer", "sdp": "o"}, "remoteId": "nobody"}})
		m := a.expect("error")["data"].(obj)
		if m["code"] != CodeUnknownPeer || m["message"] == "" {
			t.Fatalf("error %v", m)
		}
		a.send(obj{"action": "dance"})
		if m := a.expect("error")["data"].(obj); m["code"] != CodeUnknownType {
			t.Fatalf("error %v", m)
		}
		a.send(obj{"action": "offer", "data": obj{"offer": "x", "remoteId": idB}})
		if m := a.expect("error")["data"].(obj); m["code"] != CodeBadMessage {
			t.Fatalf("error %v", m)
		}
	})
}

// barrierAction is barrier for an action-dialect connection: it has no
// ping, so an error round trip serves.
func (c *raw) barrierAction() {
	c.t.Helper()
	c.send(obj{"action": "ping-barrier"})
	if m := c.expect("error")["data"].(obj); m["code"] != CodeUnknownType {
		c.t.Fatalf("barrier got %v", m)
	}
}

func TestOffers(t *testing.T) {
	S, R, P := RoleSender, RoleReceiver, RolePeer
	cases := []struct {
		self, other Role
		first       bool
		want        bool
	}{
		{S, R, true, true}, {S, R, false, true},
		{R, S, true, false}, {R, S, false, false},
		{S, P, false, true}, {P, S, true, false},
		{P, R, false, true}, {R, P, true, false},
		{P, P, true, true}, {P, P, false, false},
		{S, S, true, false}, {R, R, false, false},
	}
	for _, tc := range cases {
		if got := Offers(tc.self, tc.other, tc.first); got != tc.want {
			t.Errorf("Offers(%s, %s, first=%v) = %v", tc.self, tc.other, tc.first, got)
		}
	}
	// Exactly one side of every calling pair offers.
	for _, a := range []Role{S, R, P} {
		for _, b := range []Role{S, R, P} {
			n := 0
			if Offers(a, b, false) { // a joined first? no: a learned of b from peer-joined
				n++
			}
			if Offers(b, a, true) {
				n++
			}
			if want := map[bool]int{true: 1, false: 0}[Calls(a, b)]; n != want {
				t.Errorf("%s-%s: %d offerers", a, b, n)
			}
		}
	}
}
