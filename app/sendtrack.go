package app

import (
	"context"
	"errors"
	"io"
	"math"
	"math/bits"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/webrtc-cli/webrtc-cli/media"
	"github.com/webrtc-cli/webrtc-cli/media/pace"
	"github.com/webrtc-cli/webrtc-cli/media/rtpio"
)

var timeNow = time.Now

// sendTrack is one input streamed to one receiver.
type sendTrack struct {
	in      *input
	track   *webrtc.TrackLocalStaticRTP
	sender  *webrtc.RTPSender
	stats   *TrackReport
	rtpBase uint32
	remote  string // the receiver's id

	mu      sync.Mutex
	sentAll time.Time // when the last packet went out
	lastSeq uint16
	acked   time.Time // first report after sentAll that covers lastSeq
	reports chan struct{}
}

func (t *sendTrack) ssrc() uint32 { return uint32(t.sender.GetParameters().Encodings[0].SSRC) }

// stream sends the input: a file (looped or not) paced from start, or the
// live source as it comes. It returns nil when the input is done or ctx
// ends.
func (t *sendTrack) stream(ctx context.Context, s *sender, start time.Time) error {
	pk, err := rtpio.NewPacketizer(t.in.info.Codec, s.cfg.MTU)
	if err != nil {
		return err
	}
	// A few padding packets first: if the first media packet is lost the
	// receiver sees the gap and asks for it (see Packetizer.Padding).
	if err := t.write(pk.Padding(t.rtpBase, 3)); err != nil {
		return err
	}
	if t.in.live != nil {
		err = t.streamLive(ctx, s, pk)
	} else {
		err = t.streamFile(ctx, s, pk, start)
	}
	if err == nil {
		t.mu.Lock()
		t.sentAll, t.lastSeq = time.Now(), pk.NextSequenceNumber()-1
		t.mu.Unlock()
	}
	return err
}

// streamFile plays the file from its first frame, each frame at its time
// from start.
func (t *sendTrack) streamFile(ctx context.Context, s *sender, pk *rtpio.Packetizer, start time.Time) error {
	src, err := t.in.open()
	if err != nil {
		return err
	}
	defer src.Close()
	pacer := pace.New(start)
	defer t.pacingStats(pacer)
	for {
		smp, err := src.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if pacer.Wait(ctx, smp.Offset) != nil {
			return nil
		}
		if err := t.sendFrame(s, pk, smp.Data, t.rtpBase+uint32(smp.Ticks)); err != nil {
			return err
		}
	}
}

// streamLive sends what the shared live source delivers, from the first
// keyframe on; timestamps are the source's, from that frame.
func (t *sendTrack) streamLive(ctx context.Context, s *sender, pk *rtpio.Packetizer) error {
	sub := t.in.live.subscribe()
	defer t.in.live.unsubscribe(sub)
	var base uint64
	first := true
	for {
		var smp media.Sample
		var ok bool
		select {
		case <-ctx.Done():
			return nil
		case smp, ok = <-sub.ch:
		}
		if !ok {
			return t.in.live.err
		}
		if first {
			base, first = smp.Ticks, false
		}
		if err := t.sendFrame(s, pk, smp.Data, t.rtpBase+uint32(smp.Ticks-base)); err != nil {
			return err
		}
	}
}

// sendFrame packetizes one frame at its exact RTP timestamp, writes the
// packets and counts the frame.
func (t *sendTrack) sendFrame(s *sender, pk *rtpio.Packetizer, data []byte, ts uint32) error {
	if s.cfg.onFrame != nil { // before it can arrive
		s.cfg.onFrame(t.remote, data, timeNow())
	}
	pkts, err := pk.Packetize(data, ts)
	if err != nil {
		return err
	}
	if err := t.write(pkts); err != nil {
		return err
	}
	t.stats.Frames++
	t.stats.Bytes += int64(len(data))
	s.frames.Add(1)
	s.bytes.Add(int64(len(data)))
	return nil
}

// write sends packets; a track whose call is closing drops them quietly.
func (t *sendTrack) write(pkts []*rtp.Packet) error {
	for _, p := range pkts {
		if err := t.track.WriteRTP(p); err != nil && !errors.Is(err, io.ErrClosedPipe) {
			return err
		}
	}
	return nil
}

func (t *sendTrack) pacingStats(p *pace.Pacer) {
	n, p50, p99, worst := p.Stats()
	if n > 0 {
		t.stats.PacingP50ms = ms(p50)
		t.stats.PacingP99ms = ms(p99)
		t.stats.PacingMaxms = ms(worst)
	}
}

// readRTCP reads the receiver's reports for this track until the call
// closes. Reading is what drives pion's interceptors (NACK responses).
func (t *sendTrack) readRTCP(s *sender) {
	ssrc := t.ssrc()
	for {
		pkts, _, err := t.sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.ReceiverReport:
				for _, r := range p.Reports {
					if r.SSRC == ssrc {
						t.onReport(s, r)
					}
				}
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				t.mu.Lock()
				t.stats.KeyframeRequests++
				t.mu.Unlock()
			case *rtcp.TransportLayerNack:
				n := 0
				for _, pair := range p.Nacks {
					n += 1 + bits.OnesCount16(uint16(pair.LostPackets)) // PacketList allocates to count
				}
				t.mu.Lock()
				t.stats.NACKs += n
				t.mu.Unlock()
				if s.cfg.onNACK != nil {
					s.cfg.onNACK(n)
				}
			}
		}
	}
}

func (t *sendTrack) onReport(s *sender, r rtcp.ReceptionReport) {
	loss := float64(r.FractionLost) / 256
	s.loss.Store(math.Float64bits(loss))
	if r.LastSenderReport != 0 {
		// RTT = now - LSR - DLSR, all in 1/65536 s of the NTP clock
		// that pion's sender reports use (the wall clock).
		if rtt := rtpio.NTPMiddle(time.Now()) - r.LastSenderReport - r.Delay; rtt < 1<<20 {
			d := time.Duration(uint64(rtt) * uint64(time.Second) >> 16)
			s.rtt.Store(int64(d))
			t.mu.Lock()
			t.stats.RTTms = ms(d)
			t.mu.Unlock()
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stats.LossFraction = loss
	if !t.sentAll.IsZero() && t.acked.IsZero() && int16(uint16(r.LastSequenceNumber)-t.lastSeq) >= 0 {
		t.acked = time.Now()
	}
	select {
	case t.reports <- struct{}{}:
	default:
	}
}

// awaitDelivered waits until a receiver report covers the last packet and
// one more report has come (retransmissions in between), or timeout. It
// reports whether delivery was confirmed: some receivers (Chromium, for
// audio) report too rarely to tell.
func (t *sendTrack) awaitDelivered(ctx context.Context, timeout time.Duration) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		t.mu.Lock()
		acked := t.acked
		t.mu.Unlock()
		if !acked.IsZero() {
			// One more report after the one that covered the end.
			select {
			case <-t.reports:
				return true
			case <-deadline.C:
				return true
			case <-ctx.Done():
				return false
			}
		}
		select {
		case <-t.reports:
		case <-deadline.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}
