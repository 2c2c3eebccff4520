package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/webrtc-cli/webrtc-cli/peer"
	"github.com/webrtc-cli/webrtc-cli/signal"
)

// bareReceiver is a receiver written directly against pion and the
// signaling client, with the habits of other stacks: it never trickles
// (every candidate is in its answer, then end-of-candidates) and ignores
// the candidates it is sent.
type bareReceiver struct {
	sig    *signal.Client
	pc     *webrtc.PeerConnection
	offer  chan string
	frames chan string // mime types of tracks that delivered a packet
}

func newBareReceiver(t *testing.T, url, room string) *bareReceiver {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sig, err := signal.Dial(ctx, signal.ClientConfig{URL: url, Room: room, Role: signal.RoleReceiver})
	if err != nil {
		t.Fatal(err)
	}
	api, err := peer.NewAPI(peer.NetOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	b := &bareReceiver{sig: sig, pc: pc, offer: make(chan string, 1), frames: make(chan string, 4)}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		if _, _, err := tr.ReadRTP(); err == nil {
			b.frames <- tr.Codec().MimeType
		}
		for {
			if _, _, err := tr.ReadRTP(); err != nil {
				return
			}
		}
	})
	t.Cleanup(func() {
		sig.Close()
		pc.Close()
	})
	return b
}

// answerWithoutTrickle waits for the offer and answers it with a complete
// SDP.
func (b *bareReceiver) answerWithoutTrickle(t *testing.T) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-b.sig.Events():
			if ev.Type != signal.TypeOffer {
				continue
			}
			if err := b.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: ev.SDP}); err != nil {
				t.Fatal(err)
			}
			answer, err := b.pc.CreateAnswer(nil)
			if err != nil {
				t.Fatal(err)
			}
			gathered := webrtc.GatheringCompletePromise(b.pc)
			b.pc.SetLocalDescription(answer)
			within(t, gathered, "gathered")
			b.sig.Answer(ev.From, b.pc.LocalDescription().SDP)
			b.sig.SendCandidate(ev.From, nil)
			return ev.SDP
		case <-deadline:
			t.Fatal("no offer")
		}
	}
}

func TestPeerThatNeverTrickles(t *testing.T) {
	url := startServer(t)
	b := newBareReceiver(t, url, "notrickle")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		Send(ctx, SendConfig{Signal: signal.ClientConfig{URL: url, Room: "notrickle"}, Files: []string{testdata("vp9.ivf"), testdata("opus-stereo.ogg")}})
	}()
	offer := b.answerWithoutTrickle(t)
	got := map[string]bool{}
	timeout := time.After(10 * time.Second)
	for len(got) < 2 {
		select {
		case m := <-b.frames:
			got[m] = true
		case <-timeout:
			t.Fatalf("media from a non-trickling peer's call: %v", got)
		}
	}
	cancel()
	within(t, sent, "sent")

	// Each m-line offers the codec its track sends, alone.
	for _, m := range strings.Split(offer, "\r\nm=")[1:] {
		line := strings.SplitN(m, "\r\n", 2)[0]
		fields := strings.Fields(line)
		if len(fields) != 4 {
			t.Fatalf("m-line %q offers %d payload types, want 1", line, len(fields)-3)
		}
		switch fields[0] {
		case "video":
			if !strings.Contains(m, "a=rtpmap:"+fields[3]+" VP9/90000") {
				t.Fatalf("video m-line %q does not offer VP9", line)
			}
		case "audio":
			if !strings.Contains(m, "a=rtpmap:"+fields[3]+" opus/48000/2") || !strings.Contains(m, "sprop-stereo=1") {
				t.Fatalf("audio m-line does not offer stereo Opus:\n%s", m)
			}
		}
	}
}

func TestH264OfferCarriesTheFilesProfile(t *testing.T) {
	url := startServer(t)
	b := newBareReceiver(t, url, "h264sdp")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		Send(ctx, SendConfig{Signal: signal.ClientConfig{URL: url, Room: "h264sdp"}, Files: []string{testdata("h264.h264")}})
	}()
	offer := b.answerWithoutTrickle(t)
	select {
	case m := <-b.frames:
		if m != webrtc.MimeTypeH264 {
			t.Fatalf("got %s", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no H264 media")
	}
	cancel()
	within(t, sent, "sent")
	if !strings.Contains(offer, "profile-level-id=42e00d") || !strings.Contains(offer, "packetization-mode=1") {
		t.Fatalf("offer lacks the file's profile:\n%s", offer)
	}
}
