// Package peer is calls: a Call is one PeerConnection with one remote
// peer, driven by whatever signaling implements Signaling; Calls makes them
// for a program (send, receive) through its Handler; Room drives them from
// a room of webrtc-cli's own protocol. Nothing here knows media files.
package peer

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/webrtc/v4"
	"github.com/webrtc-cli/webrtc-cli/internal/pionlog"
	"github.com/webrtc-cli/webrtc-cli/media"
)

// NetOptions are the network settings send and receive share.
type NetOptions struct {
	ICEServers []webrtc.ICEServer
	// UDPPortMin and UDPPortMax bound the local UDP ports (0 = any).
	UDPPortMin, UDPPortMax uint16
	// RelayOnly uses only TURN relay candidates (testing a TURN server).
	RelayOnly bool
	// NATIPs are public addresses to advertise instead of the host's
	// (a 1:1 NAT, e.g. a cloud VM).
	NATIPs []string
	// Loss drops this fraction of the RTP packets this side sends, for
	// testing recovery (0 = none).
	Loss     float64
	LossSeed int64
	// ReportInterval is how often RTCP receiver and sender reports go out
	// (default 1 s).
	ReportInterval time.Duration
	// NACKHistory is how many sent packets of each stream are kept for
	// retransmission, a power of two (default 1024: over half a second
	// at 20 Mbit/s, which a receiver's 500 ms wait needs; ten at 1 Mbit/s).
	// Each costs a packet's memory, so a load tester keeps fewer.
	NACKHistory uint16
}

// Payload types webrtc-cli uses. Any dynamic numbers would do; these are
// the ones browsers commonly pick, which keeps SDP diffs readable.
const (
	ptVP8  = 96
	ptVP9  = 98
	ptAV1  = 45
	ptOpus = 111
	ptH264 = 102
)

// h264Profiles are the H264 profiles received besides Constrained
// Baseline (ptH264), by payload type: Baseline, Main, High, Constrained
// High, as browsers offer them.
var h264Profiles = []struct {
	pt      webrtc.PayloadType
	profile string
}{{104, "42001f"}, {106, "4d001f"}, {108, "64001f"}, {110, "640c1f"}}

var videoFeedback = []webrtc.RTCPFeedback{
	{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "ccm", Parameter: "fir"},
}

// Codec returns the codec parameters webrtc-cli registers for c; channels
// only matters for Opus, where 2 announces a stereo stream.
func Codec(c *media.Codec, channels uint16) (webrtc.RTPCodecParameters, error) {
	switch c {
	case media.VP8:
		return webrtc.RTPCodecParameters{PayloadType: ptVP8, RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: videoFeedback}}, nil
	case media.VP9:
		return webrtc.RTPCodecParameters{PayloadType: ptVP9, RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeVP9, ClockRate: 90000, SDPFmtpLine: "profile-id=0", RTCPFeedback: videoFeedback}}, nil
	case media.AV1:
		return webrtc.RTPCodecParameters{PayloadType: ptAV1, RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeAV1, ClockRate: 90000, RTCPFeedback: videoFeedback}}, nil
	case media.H264:
		// A sender replaces the fmtp with its stream's own (profile from
		// the SPS); pion matches H264 by MIME type when profiles differ.
		return webrtc.RTPCodecParameters{PayloadType: ptH264, RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
			SDPFmtpLine:  "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
			RTCPFeedback: videoFeedback}}, nil
	case media.Opus:
		fmtp := "minptime=10;useinbandfec=1"
		if channels == 2 {
			fmtp += ";stereo=1;sprop-stereo=1"
		}
		// NACK on audio too: webrtc-cli's receiver recovers lost Opus
		// packets; peers that do not ask for it ignore the parameter.
		return webrtc.RTPCodecParameters{PayloadType: ptOpus, RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: fmtp,
			RTCPFeedback: []webrtc.RTCPFeedback{{Type: "nack"}}}}, nil
	}
	return webrtc.RTPCodecParameters{}, fmt.Errorf("%w: %v", ErrUnsupportedCodec, c)
}

// NewAPI builds the pion API for send and receive. sending lists the codecs
// of the tracks this side sends, registered exactly as they will be
// offered; every other supported codec is registered for receiving.
func NewAPI(o NetOptions, log *slog.Logger, sending ...webrtc.RTPCodecParameters) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	have := map[string]bool{}
	for _, c := range sending {
		if err := m.RegisterCodec(c, kindOf(c)); err != nil {
			return nil, err
		}
		have[c.MimeType] = true
	}
	for _, mc := range media.Codecs {
		c, _ := Codec(mc, 2)
		if have[c.MimeType] {
			continue
		}
		if err := m.RegisterCodec(c, kindOf(c)); err != nil {
			return nil, err
		}
		if mc != media.H264 {
			continue
		}
		// An offer to a WHEP endpoint must name the H264 profile the
		// stream has: answerers match profiles exactly.
		for _, p := range h264Profiles {
			c.PayloadType = p.pt
			c.SDPFmtpLine = "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=" + p.profile
			if err := m.RegisterCodec(c, webrtc.RTPCodecTypeVideo); err != nil {
				return nil, err
			}
		}
	}

	reg := &interceptor.Registry{}
	if o.Loss > 0 {
		// First registered is innermost, nearest the network: the NACK
		// responder above it keeps every packet, including those lost.
		reg.Add(&lossFactory{rate: o.Loss, seed: o.LossSeed})
	}
	gen, err := nack.NewGeneratorInterceptor(nack.GeneratorInterval(50 * time.Millisecond))
	if err != nil {
		return nil, err
	}
	history := o.NACKHistory
	if history == 0 {
		history = 1024
	}
	resp, err := nack.NewResponderInterceptor(nack.ResponderSize(history))
	if err != nil {
		return nil, err
	}
	interval := o.ReportInterval
	if interval <= 0 {
		interval = time.Second
	}
	rr, err := report.NewReceiverInterceptor(report.ReceiverInterval(interval))
	if err != nil {
		return nil, err
	}
	sr, err := report.NewSenderInterceptor(report.SenderInterval(interval))
	if err != nil {
		return nil, err
	}
	reg.Add(resp)
	reg.Add(gen)
	reg.Add(rr)
	reg.Add(sr)

	s := webrtc.SettingEngine{}
	// A machine whose only network is loopback must still connect; mDNS
	// names would hide the host candidates peers need.
	s.SetIncludeLoopbackCandidate(true)
	s.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	// A peer that vanishes (no DTLS close, no RTCP BYE) is failed within
	// about 5 s: a WHEP stream has no other sign that it ended.
	s.SetICETimeouts(2*time.Second, 3*time.Second, time.Second)
	// pion waits 2 s for a better pair before taking a relayed one: with
	// the 3 s failure above, a relay found late (the WHIP client's
	// restart with the endpoint's TURN servers) would hardly make it.
	s.SetRelayAcceptanceMinWait(500 * time.Millisecond)
	if o.UDPPortMin != 0 || o.UDPPortMax != 0 {
		if err := s.SetEphemeralUDPPortRange(o.UDPPortMin, o.UDPPortMax); err != nil {
			return nil, fmt.Errorf("UDP port range %d-%d: %w", o.UDPPortMin, o.UDPPortMax, err)
		}
	}
	if len(o.NATIPs) > 0 {
		s.SetNAT1To1IPs(o.NATIPs, webrtc.ICECandidateTypeHost)
	}
	s.LoggerFactory = pionlog.New(log)
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(s)), nil
}

func kindOf(c webrtc.RTPCodecParameters) webrtc.RTPCodecType {
	if c.MimeType == webrtc.MimeTypeOpus {
		return webrtc.RTPCodecTypeAudio
	}
	return webrtc.RTPCodecTypeVideo
}
