package rtpio

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/webrtc-cli/webrtc-cli/media"
)

func TestNewPacketizerErrors(t *testing.T) {
	for _, c := range []struct {
		codec string
		mtu   int
		want  error
	}{
		{"H265", 1200, ErrUnknownCodec},
		{"", 1200, ErrUnknownCodec},
		{"VP8", minMTU - 1, ErrMTU},
		{"VP8", maxMTU + 1, ErrMTU},
		{"vp8", 1200, nil},
		{"Opus", 1200, nil},
		{" av1 ", minMTU, nil},
	} {
		_, err := NewPacketizer(codecOf(c.codec), c.mtu)
		if !errors.Is(err, c.want) {
			t.Errorf("NewPacketizer(codecOf(%q), %d) = %v, want %v", c.codec, c.mtu, err, c.want)
		}
	}
}

// TestPacketizeShape checks what every receiver relies on: consecutive
// sequence numbers across frames, the caller's timestamp on every packet,
// the marker on the last packet of a video frame only, packets within the
// MTU, and payloads that outlive the next call.
func TestPacketizeShape(t *testing.T) {
	for _, codec := range codecNames {
		t.Run(codec, func(t *testing.T) {
			const mtu = 400
			s := synthStream(codec, 30, 10, 1)
			p, err := NewPacketizer(codecOf(codec), mtu)
			if err != nil {
				t.Fatal(err)
			}
			seq := p.NextSequenceNumber()
			var kept [][]byte
			for i, f := range s.frames {
				pkts, err := p.Packetize(f, s.ts[i])
				if err != nil {
					t.Fatal(err)
				}
				for k, pkt := range pkts {
					if pkt.SequenceNumber != seq {
						t.Fatalf("frame %d packet %d: seq %d, want %d", i, k, pkt.SequenceNumber, seq)
					}
					seq++
					if pkt.Timestamp != s.ts[i] {
						t.Fatalf("frame %d: timestamp %d, want %d", i, pkt.Timestamp, s.ts[i])
					}
					wantMarker := codec != "opus" && k == len(pkts)-1
					if pkt.Marker != wantMarker {
						t.Fatalf("frame %d packet %d/%d: marker %v", i, k, len(pkts), pkt.Marker)
					}
					if codec != "opus" && len(pkt.Payload)+rtpHeaderSize > mtu {
						t.Fatalf("frame %d: packet of %d bytes over mtu %d", i, len(pkt.Payload)+rtpHeaderSize, mtu)
					}
					raw, err := pkt.Marshal()
					if err != nil {
						t.Fatal(err)
					}
					kept = append(kept, raw)
				}
				if codec != "opus" && len(f) > 3*mtu && len(pkts) < 3 {
					t.Fatalf("frame %d of %d bytes in %d packets", i, len(f), len(pkts))
				}
			}
			// Payload bytes are not reused: re-packetizing the stream in a
			// fresh packetizer at the same numbering gives the same bytes.
			q, _ := NewPacketizer(codecOf(codec), mtu)
			q.seq = seq - uint16(len(kept))
			n := 0
			for i, f := range s.frames {
				pkts, _ := q.Packetize(f, s.ts[i])
				for _, pkt := range pkts {
					raw, _ := pkt.Marshal()
					if codec != "VP9" && !bytes.Equal(raw, kept[n]) { // VP9 picture ids start at random
						t.Fatalf("packet %d changed after later calls", n)
					}
					n++
				}
			}
		})
	}
}

func TestPacketizeErrors(t *testing.T) {
	for _, c := range []struct {
		codec string
		frame []byte
		want  error
	}{
		{"VP8", nil, ErrEmptyFrame},
		{"opus", []byte{}, ErrEmptyFrame},
		// pion's non-flexible VP9 payloader returns no packets for these.
		{"VP9", []byte{0x00, 0x01, 0x02, 0x03}, ErrMalformedFrame}, // bad frame marker
		{"VP9", []byte{0x82, 0x49, 0x83}, ErrMalformedFrame},       // truncated keyframe header
		// pion's AV1 payloader stops at the bad OBU and sends the rest.
		{"AV1", []byte{0x12, 0x00, 0x32, 0x10, 0x01}, ErrMalformedFrame},       // OBU overruns the unit
		{"AV1", []byte{0x12, 0x00, 0x32, 0x01, 0x10, 0x80}, ErrMalformedFrame}, // forbidden bit
		{"AV1", []byte{0x12, 0x00}, ErrEmptyFrame},                             // only a temporal delimiter
	} {
		p, err := NewPacketizer(codecOf(c.codec), 1200)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Packetize(c.frame, 0); !errors.Is(err, c.want) {
			t.Errorf("%s % x: err %v, want %v", c.codec, c.frame, err, c.want)
		}
	}
}

func vp8Descriptor(t *testing.T, payload []byte) codecs.VP8Packet {
	t.Helper()
	var d codecs.VP8Packet
	if _, err := d.Unmarshal(payload); err != nil {
		t.Fatal(err)
	}

	return d
}

// TestVP8PictureIDEveryFrame sends frames across the 15-bit wrap: every
// packet carries a picture id, and ids go up by one per frame.
func TestVP8PictureIDEveryFrame(t *testing.T) {
	p, err := NewPacketizer(codecOf("VP8"), 100)
	if err != nil {
		t.Fatal(err)
	}
	frame := bytes.Repeat([]byte{0xab}, 150) // two packets
	want := uint16(0)
	for i := range 0x8000 + 300 {
		pkts, err := p.Packetize(frame, uint32(i))
		if err != nil {
			t.Fatal(err)
		}
		var body []byte
		for k, pkt := range pkts {
			d := vp8Descriptor(t, pkt.Payload)
			if d.I != 1 || d.PictureID != want {
				t.Fatalf("frame %d packet %d: I=%d PictureID=%d, want %d", i, k, d.I, d.PictureID, want)
			}
			if (k == 0) != (d.S == 1) || d.PID != 0 {
				t.Fatalf("frame %d packet %d: S=%d PID=%d", i, k, d.S, d.PID)
			}
			if len(pkt.Payload)+rtpHeaderSize > 100 {
				t.Fatalf("frame %d: packet over mtu", i)
			}
			body = append(body, d.Payload...)
		}
		if !bytes.Equal(body, frame) {
			t.Fatalf("frame %d: payload changed", i)
		}
		want = (want + 1) & 0x7FFF
	}
}

func vp9Descriptor(t *testing.T, payload []byte) codecs.VP9Packet {
	t.Helper()
	var d codecs.VP9Packet
	if _, err := d.Unmarshal(payload); err != nil {
		t.Fatal(err)
	}

	return d
}

// TestVP9ShowExistingFrame: pion sends a show_existing_frame frame as a
// keyframe with a 0x0 scalability structure; ours is a predicted frame.
func TestVP9ShowExistingFrame(t *testing.T) {
	frame := []byte{0x88} // frame marker, profile 0, show_existing_frame, index 0
	var pion codecs.VP9Payloader
	if d := vp9Descriptor(t, pion.Payload(1000, frame)[0]); d.P || !d.V {
		t.Fatal("pion's VP9Payloader now handles show_existing_frame: drop unmarkShowExisting")
	}

	p, _ := NewPacketizer(codecOf("VP9"), 1200)
	pkts, err := p.Packetize(frame, 0)
	if err != nil {
		t.Fatal(err)
	}
	d := vp9Descriptor(t, pkts[0].Payload)
	if !d.P || d.V || !d.B || !d.E || !bytes.Equal(d.Payload, frame) {
		t.Fatalf("show_existing_frame sent as %+v", d)
	}

	// And the assembler does not take it for a keyframe. (Packetize reuses
	// its packets, so each call's are cloned before the next.)
	p, _ = NewPacketizer(codecOf("VP9"), 1200)
	a, _ := NewAssembler(AssemblerConfig{Codec: codecOf("VP9")})
	key, _ := p.Packetize(synthStream("VP9", 1, 1, 1).frames[0], 0)
	all := clonePackets(key)
	pkts, _ = p.Packetize(frame, 3750)
	for _, pkt := range append(all, clonePackets(pkts)...) {
		a.Push(pkt, simStart)
	}
	f1, ok1 := a.Pop(simStart)
	f2, ok2 := a.Pop(simStart)
	if !ok1 || !ok2 || !f1.Keyframe || f2.Keyframe || !bytes.Equal(f2.Data, frame) {
		t.Fatalf("got %v %v / %v %v", ok1, f1.Keyframe, ok2, f2.Keyframe)
	}
}

func TestVP9Descriptors(t *testing.T) {
	s := synthStream("VP9", 2, 2, 5) // keyframe, inter frame
	p, _ := NewPacketizer(codecOf("VP9"), 1200)
	for i, f := range s.frames {
		pkts, _ := p.Packetize(f, s.ts[i])
		for k, pkt := range pkts {
			d := vp9Descriptor(t, pkt.Payload)
			if d.F || !d.I || d.P == s.key[i] || d.B != (k == 0) || d.E != (k == len(pkts)-1) {
				t.Fatalf("frame %d packet %d: %+v", i, k, d)
			}
			if d.V != (s.key[i] && k == 0) {
				t.Fatalf("frame %d packet %d: V=%v", i, k, d.V)
			}
		}
	}
}

// TestAV1Payloader pins pion's AV1 input expectations: temporal delimiters
// dropped, size fields cleared, N bit on the packet that starts with the
// sequence header.
func TestAV1Payloader(t *testing.T) {
	s := synthStream("AV1", 2, 2, 9)
	p, _ := NewPacketizer(codecOf("AV1"), 1200)
	for i, f := range s.frames {
		pkts, err := p.Packetize(f, s.ts[i])
		if err != nil {
			t.Fatal(err)
		}
		agg := pkts[0].Payload[0]
		if (agg&av1FlagN != 0) != s.key[i] {
			t.Fatalf("frame %d: N bit %v, keyframe %v", i, agg&av1FlagN != 0, s.key[i])
		}
		first := pkts[0].Payload[1:]
		if agg>>4&3 == 0 || agg>>4&3 > 1 { // W>1 or W=0: a length field comes first
			first = first[1:]
		}
		if first[0]>>3&0x0f == 2 {
			t.Fatalf("frame %d: temporal delimiter sent", i)
		}
		if first[0]&0x02 != 0 {
			t.Fatalf("frame %d: OBU keeps obu_has_size_field", i)
		}
	}
}

func clonePackets(pkts []*rtp.Packet) []*rtp.Packet {
	out := make([]*rtp.Packet, len(pkts))
	for i, p := range pkts {
		out[i] = p.Clone()
	}

	return out
}

// TestAV1RoundTripNormalizes pins what a round trip through pion cannot keep:
// RTP carries OBUs without size fields, so the receiver writes minimal
// leb128 sizes on every OBU. libaom's output (minimal sizes, all present)
// comes back byte for byte; other spellings come back re-encoded.
func TestAV1RoundTripNormalizes(t *testing.T) {
	frame := []byte{0x10, 0xaa, 0xbb}
	for _, c := range []struct {
		name string
		in   []byte
	}{
		{"minimal", appendOBU(append([]byte(nil), temporalDelimiter...), 6, frame)},
		{"padded leb128", append([]byte{0x12, 0x00, 0x32, 0x83, 0x00}, frame...)},
		{"last OBU without size", append([]byte{0x12, 0x00, 0x30}, frame...)},
		{"no temporal delimiter", appendOBU(nil, 6, frame)},
	} {
		want := appendOBU(append([]byte(nil), temporalDelimiter...), 6, frame)
		p, _ := NewPacketizer(codecOf("AV1"), 1200)
		pkts, err := p.Packetize(c.in, 0)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		a, _ := NewAssembler(AssemblerConfig{Codec: codecOf("AV1")})
		a.needKey = false // these are not keyframes
		pushAll(a, simStart, pkts)
		f, ok := a.Pop(simStart)
		if !ok || !bytes.Equal(f.Data, want) {
			t.Errorf("%s: % x came back as % x", c.name, c.in, f.Data)
		}
	}
}

func TestPaddingTakesSequenceNumbers(t *testing.T) {
	p, err := NewPacketizer(codecOf("VP8"), 1200)
	if err != nil {
		t.Fatal(err)
	}
	first := p.NextSequenceNumber()
	pads := p.Padding(1234, 3)
	if len(pads) != 3 {
		t.Fatalf("%d padding packets", len(pads))
	}
	for i, pk := range pads {
		b, err := pk.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		var back rtp.Packet
		if err := back.Unmarshal(b); err != nil {
			t.Fatal(err)
		}
		if back.SequenceNumber != first+uint16(i) || len(back.Payload) != 0 || !back.Padding || back.Timestamp != 1234 {
			t.Fatalf("padding packet %d: %+v", i, back.Header)
		}
	}
	if p.NextSequenceNumber() != first+3 {
		t.Fatal("padding did not advance the sequence")
	}
}

// TestAV1PaddingDropped pins what pion's AV1 payloader does with padding
// OBUs since rtp v1.10.6: they are not sent (they carry no picture), and
// everything else of the temporal unit arrives byte for byte.
func TestAV1PaddingDropped(t *testing.T) {
	body := bytes.Repeat([]byte{0x30, 0x55}, 200)
	without := appendOBU(append([]byte(nil), temporalDelimiter...), 6, body)
	with := appendOBU(append([]byte(nil), without...), 15, body[:17])
	p, err := NewPacketizer(media.AV1, 1200)
	if err != nil {
		t.Fatal(err)
	}
	pkts, err := p.Packetize(with, 3000)
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAssembler(AssemblerConfig{Codec: media.AV1})
	if err != nil {
		t.Fatal(err)
	}
	a.needKey = false // an inter frame is enough here
	now := time.Unix(1, 0)
	for _, pk := range pkts {
		a.Push(pk.Clone(), now)
	}
	a.Flush()
	f, ok := a.Pop(now)
	if !ok {
		t.Fatal("no frame")
	}
	if !bytes.Equal(f.Data, without) {
		t.Fatalf("got %d bytes, want the %d-byte unit without its padding", len(f.Data), len(without))
	}
}
