package peer

import (
	"context"
	"errors"
	"io"
	"math"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/webrtc-cli/webrtc-cli/media"
	"github.com/webrtc-cli/webrtc-cli/media/pace"
	"github.com/webrtc-cli/webrtc-cli/media/rtpio"
)

var errEOF = io.EOF

type mediaSample = media.Sample

var timeNow = time.Now

// outTrack is one file streamed to one receiver.
type outTrack struct {
	file    fileTrack
	live    *liveTrack // instead of the file, when live
	track   *webrtc.TrackLocalStaticRTP
	sender  *webrtc.RTPSender
	stats   *TrackReport
	rtpBase uint32
	index   int

	mu      sync.Mutex
	sentAll time.Time // when the last packet went out
	lastSeq uint16
	acked   time.Time // first report after sentAll that covers lastSeq
	reports chan struct{}
}

// stream sends the file (repeatedly with Loop) paced from start, or the
// live source as it comes. It returns nil when the input is done or ctx
// ends.
func (o *outTrack) stream(ctx context.Context, s *sender, start time.Time) error {
	pk, err := rtpio.NewPacketizer(o.file.info.Codec, s.cfg.MTU)
	if err != nil {
		return err
	}
	// A few padding packets first: if the first media packet is lost the
	// receiver sees the gap and asks for it (see Packetizer.Padding).
	if err := o.write(pk.Padding(o.rtpBase, 3)); err != nil {
		return err
	}
	if o.live != nil {
		return o.streamLive(ctx, s, pk)
	}
	pacer := pace.New(start)
	clock := uint64(o.file.info.Codec.ClockRate)
	var loopTicks uint64
	var loopOffset time.Duration
	for {
		end, err := o.playOnce(ctx, s, pk, pacer, loopTicks, loopOffset)
		if err != nil || ctx.Err() != nil || !s.cfg.Loop {
			o.finishStats(pacer)
			if err == nil {
				o.mu.Lock()
				o.sentAll, o.lastSeq = time.Now(), pk.NextSequenceNumber()-1
				o.mu.Unlock()
			}
			return err
		}
		loopTicks += end
		loopOffset = time.Duration(loopTicks * uint64(time.Second) / clock)
	}
}

// playOnce sends the file once, its timeline shifted by loopTicks, and
// returns where the file ends in ticks (the start of the next loop).
func (o *outTrack) playOnce(ctx context.Context, s *sender, pk *rtpio.Packetizer, pacer *pace.Pacer, loopTicks uint64, loopOffset time.Duration) (uint64, error) {
	src, err := media.OpenWith(o.file.path, s.cfg.FPS)
	if err != nil {
		return 0, err
	}
	defer src.Close()
	var end, prev uint64
	for {
		smp, err := src.Next()
		if errors.Is(err, io.EOF) {
			return end, nil
		}
		if err != nil {
			return end, err
		}
		if err := pacer.Wait(ctx, loopOffset+smp.Offset); err != nil {
			return end, nil
		}
		if err := o.sendFrame(s, pk, smp.Data, o.rtpBase+uint32(loopTicks+smp.Ticks)); err != nil {
			return end, err
		}
		// Where the file ends: the last sample's end when the file says
		// (Opus), else one more frame interval after the last frame.
		if smp.Duration > 0 {
			end = smp.Ticks + uint64(smp.Duration)
		} else {
			end = smp.Ticks + (smp.Ticks - prev)
		}
		prev = smp.Ticks
	}
}

// streamLive sends what the shared live source delivers, from the first
// keyframe on; timestamps are the source's, from that frame.
func (o *outTrack) streamLive(ctx context.Context, s *sender, pk *rtpio.Packetizer) error {
	sub := o.live.subscribe()
	defer o.live.unsubscribe(sub)
	var base uint64
	first := true
	for {
		var smp mediaSample
		var ok bool
		select {
		case <-ctx.Done():
			return nil
		case smp, ok = <-sub.ch:
		}
		if !ok {
			if o.live.err != nil {
				return o.live.err
			}
			o.mu.Lock()
			o.sentAll, o.lastSeq = time.Now(), pk.NextSequenceNumber()-1
			o.mu.Unlock()
			return nil
		}
		if first {
			base, first = smp.Ticks, false
		}
		if err := o.sendFrame(s, pk, smp.Data, o.rtpBase+uint32(smp.Ticks-base)); err != nil {
			return err
		}
	}
}

// sendFrame packetizes one frame at its exact RTP timestamp, writes the
// packets and counts the frame.
func (o *outTrack) sendFrame(s *sender, pk *rtpio.Packetizer, data []byte, ts uint32) error {
	pkts, err := pk.Packetize(data, ts)
	if err != nil {
		return err
	}
	if err := o.write(pkts); err != nil {
		return err
	}
	o.stats.Frames++
	o.stats.Bytes += int64(len(data))
	s.frames.Add(1)
	s.bytes.Add(int64(len(data)))
	return nil
}

// write sends packets; a track whose call is closing drops them quietly.
func (o *outTrack) write(pkts []*rtp.Packet) error {
	for _, p := range pkts {
		if err := o.track.WriteRTP(p); err != nil && !errors.Is(err, io.ErrClosedPipe) {
			return err
		}
	}
	return nil
}

func (o *outTrack) finishStats(p *pace.Pacer) {
	n, p50, p99, worst := p.Stats()
	if n > 0 {
		o.stats.PacingP50ms = ms(p50)
		o.stats.PacingP99ms = ms(p99)
		o.stats.PacingMaxms = ms(worst)
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// readRTCP reads the receiver's reports for this track until the sender
// stops. Reading is what drives pion's interceptors (NACK responses).
func (o *outTrack) readRTCP(s *sender) {
	ssrc := uint32(o.sender.GetParameters().Encodings[0].SSRC)
	for {
		pkts, _, err := o.sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.ReceiverReport:
				for _, r := range p.Reports {
					if r.SSRC == ssrc {
						o.onReport(s, r)
					}
				}
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				o.mu.Lock()
				o.stats.KeyframeRequests++
				o.mu.Unlock()
			}
		}
	}
}

func (o *outTrack) onReport(s *sender, r rtcp.ReceptionReport) {
	loss := float64(r.FractionLost) / 256
	s.loss.Store(math.Float64bits(loss))
	if r.LastSenderReport != 0 {
		// RTT = now - LSR - DLSR, all in 1/65536 s of the NTP clock
		// that pion's sender reports use (the wall clock).
		now := ntpMiddle(time.Now())
		if rtt := now - r.LastSenderReport - r.Delay; rtt < 1<<20 {
			d := time.Duration(uint64(rtt) * uint64(time.Second) >> 16)
			s.rtt.Store(int64(d))
			o.mu.Lock()
			o.stats.RTTms = ms(d)
			o.mu.Unlock()
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.stats.LossFraction = loss
	if !o.sentAll.IsZero() && o.acked.IsZero() && int16(uint16(r.LastSequenceNumber)-o.lastSeq) >= 0 {
		o.acked = time.Now()
	}
	select {
	case o.reports <- struct{}{}:
	default:
	}
}

func ntpMiddle(t time.Time) uint32 {
	const ntpEpochOffset = 2208988800
	secs := uint64(t.Unix()) + ntpEpochOffset
	frac := uint64(t.Nanosecond()) << 32 / uint64(time.Second)
	return uint32(secs<<16 | frac>>16)
}

// awaitDelivered waits until a receiver report covers the last packet and
// one more report has come (retransmissions in between), or timeout. It
// reports whether delivery was confirmed: some receivers (Chromium, for
// audio) report too rarely to tell.
func (o *outTrack) awaitDelivered(ctx context.Context, timeout time.Duration) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		o.mu.Lock()
		acked := o.acked
		o.mu.Unlock()
		if !acked.IsZero() {
			// One more report after the one that covered the end.
			select {
			case <-o.reports:
				return true
			case <-deadline.C:
				return true
			case <-ctx.Done():
				return false
			}
		}
		select {
		case <-o.reports:
		case <-deadline.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

func float64frombits(b uint64) float64 { return math.Float64frombits(b) }
