package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/webrtc-cli/webrtc-cli/media"
	"github.com/webrtc-cli/webrtc-cli/media/rtpio"
	"github.com/webrtc-cli/webrtc-cli/peer"
)

// pliInterval limits keyframe requests while a stream waits for one.
const pliInterval = 300 * time.Millisecond

// record writes one incoming track until the call ends or the sender ends
// the track (RTCP BYE).
func (ic *inCall) record(t *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
	r, c := ic.r, ic.c
	rec := &recording{ic: ic, t: t}
	// The sender reports are read even when nothing is recorded: pion's
	// interceptors see them only then, and RTCP BYE ends the track.
	rtcpDone := make(chan struct{})
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer close(rtcpDone)
		rec.readRTCP(recv)
	}()
	// settle learns whether the sender ended the track, and counts it to
	// the call if so: before the outcome is judged, and on every return.
	settle := sync.OnceFunc(func() {
		if !rec.ended.Load() && ic.c.Context().Err() == nil {
			// The connection closed under the track: a sender that
			// ends a track sends RTCP BYE and closes at once, so the
			// BYE may still be in the RTCP reader's hands.
			<-rtcpDone
		}
		if rec.ended.Load() {
			ic.trackEnded()
		}
	})
	defer settle()
	kind := t.Kind().String()
	codec, err := media.CodecByMime(t.Codec().MimeType)
	if err != nil {
		c.Log.Warn("not recording a track of an unsupported codec", "codec", t.Codec().MimeType)
		rec.discard()
		return
	}
	rec.codec = codec
	channels := opusChannels(t.Codec().SDPFmtpLine)
	var sink media.Sink
	var file string
	closeF := func() error { return nil }
	if r.cfg.probe != nil {
		sink = r.cfg.probe.sink(c, codec)
	} else if r.cfg.Format != "" {
		var mt *media.MuxTrack
		if mt, file, err = ic.muxTrack(codec, channels); err == nil {
			sink = mt
			rec.mux.Store(mt)
		}
	} else {
		sink, file, closeF, err = ic.trackSink(codec, kind, channels, t.ID())
	}
	if errors.Is(err, errNotRecorded) {
		r.log.Warn("not recording this track: standard output takes one recording", "kind", kind)
		rec.discard()
		return
	}
	rec.rep = r.report.track(c.Remote, kind, codec.Name, file)
	if err != nil {
		rec.rep.Error = err.Error()
		c.Log.Error("cannot record the track", "err", err)
		rec.discard()
		return
	}
	rec.sink = sink
	rec.run()
	if err := errors.Join(sink.Close(), closeF()); err != nil && rec.rep.Error == "" {
		rec.rep.Error = fmt.Sprintf("%s: %v", file, err)
		c.Log.Error("finishing the recording", "file", file, "err", err)
	}
	if mt := rec.mux.Load(); mt != nil {
		rec.rep.FramesNotMuxed = mt.Dropped()
	}
	settle()
	rec.outcome()
	c.Log.Info("recording closed", "file", file, "frames", rec.rep.Frames, "dropped", rec.rep.FramesDropped, "lost", rec.rep.PacketsLost)
	if r.cfg.OnFile != nil {
		r.cfg.OnFile(file, rec.rep)
	}
	if file == "-" && r.cfg.Format == "" {
		r.stop() // the one track for standard output is done
	}
}

// outcome says whether the recording has all the sender meant to send: it
// does when the sender ended the track (RTCP BYE) or the call (bye). A
// track cut off by a closing connection waits for the call to end (at most
// the bye's grace period) to learn which it was.
func (rec *recording) outcome() {
	c := rec.ic.c
	if !rec.ended.Load() {
		<-c.Context().Done()
	}
	cause := context.Cause(c.Context())
	switch {
	case rec.ended.Load(), errors.Is(cause, peer.ErrRemoteBye), errors.Is(cause, errTracksEnded):
		rec.rep.Complete = true
	case errors.Is(cause, context.Canceled):
		rec.rep.Incomplete = "stopped before the sender finished"
	default:
		rec.rep.Incomplete = "sender ended without finishing (" + cause.Error() + ")"
	}
}

// trackSink opens the file of one track in its codec's container, or
// standard output. closeF closes what the sink writes to.
func (ic *inCall) trackSink(codec *media.Codec, kind string, channels int, id string) (media.Sink, string, func() error, error) {
	r := ic.r
	var w io.Writer
	name, closeF := "-", func() error { return nil }
	if r.cfg.Stdout != nil {
		if !r.takeStdout(kind) {
			return nil, "", nil, errNotRecorded
		}
		w = r.cfg.Stdout
	} else {
		f, err := ic.create(safeName(id, kind), codec.Ext())
		if err != nil {
			return nil, "", nil, err
		}
		w, name, closeF = f, f.Name(), f.Close
	}
	sink, err := media.NewSink(w, codec, channels)
	if err != nil {
		closeF()
		return nil, name, nil, err
	}
	return sink, name, closeF, nil
}

// receiveProbe is what the load tester puts in place of files: a sink for
// each track, which hears the assembler's counts about once a second
// (tick), and a word for every keyframe request.
type receiveProbe interface {
	sink(c *peer.Call, codec *media.Codec) media.Sink
	tick(sink media.Sink, s rtpio.Stats)
	pli()
}

// recording is one track being written.
type recording struct {
	ic      *inCall
	t       *webrtc.TrackRemote
	codec   *media.Codec
	sink    media.Sink
	rep     *TrackReport
	asm     *rtpio.Assembler
	mux     atomic.Pointer[media.MuxTrack] // the track's clock goes here
	ended   atomic.Bool                    // the sender ended the track (RTCP BYE)
	failed  bool                           // a write failed: keep reading, stop writing
	lastPLI time.Time
	ticked  time.Time // the probe's last tick
	first   uint64
	last    uint64
}

// run reads packets until the call or the track ends, then drains what is
// buffered.
func (rec *recording) run() {
	c := rec.ic.c
	asm, err := rtpio.NewAssembler(rtpio.AssemblerConfig{Codec: rec.codec, MaxDelay: rec.ic.r.cfg.MaxDelay})
	if err != nil {
		rec.rep.Error = err.Error()
		return
	}
	rec.asm = asm
	c.Log.Info("recording track", "file", rec.rep.File, "codec", rec.codec.Name)
	rec.requestKeyframe(time.Now())
	ending := false
	buf := make([]byte, 2048) // above pion's receive MTU (1460)
	var p rtp.Packet
	for {
		now := time.Now()
		deadline := now.Add(100 * time.Millisecond)
		if ending {
			// The call or track is over: take what pion still holds, briefly.
			deadline = now.Add(20 * time.Millisecond)
		} else if d, ok := asm.Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
		rec.t.SetReadDeadline(deadline)
		n, _, err := rec.t.Read(buf)
		now = time.Now()
		if errors.Is(err, io.ErrShortBuffer) {
			err = nil // larger than any MTU pion takes: not a packet of ours
			n = 0
		}
		if err == nil && n > 0 {
			// The assembler copies what it keeps: one buffer and one
			// packet serve every read.
			if perr := p.Unmarshal(buf[:n]); perr == nil {
				asm.Push(&p, now)
			}
		}
		rec.pop(now)
		if rec.codec.Video() && asm.NeedKeyframe() {
			rec.requestKeyframe(now)
		}
		if p := rec.ic.r.cfg.probe; p != nil && now.Sub(rec.ticked) >= time.Second {
			rec.ticked = now
			p.tick(rec.sink, asm.Stats())
		}
		if err != nil && (!isTimeout(err) || ending) {
			asm.Flush()
			rec.pop(now)
			rec.stats()
			return
		}
		if !ending && (c.Context().Err() != nil || rec.ended.Load()) {
			ending = true
		}
	}
}

func isTimeout(err error) bool {
	var timeout interface{ Timeout() bool }
	return errors.As(err, &timeout) && timeout.Timeout()
}

func (rec *recording) pop(now time.Time) {
	r := rec.ic.r
	for {
		f, ok := rec.asm.Pop(now)
		if !ok {
			return
		}
		if rec.failed {
			continue
		}
		err := rec.sink.WriteFrame(media.Frame{Data: f.Data, Timestamp: f.Timestamp, Keyframe: f.Keyframe})
		if errors.Is(err, media.ErrSkipped) {
			rec.rep.FramesDropped++
			continue
		} else if err != nil {
			rec.failed = true
			rec.rep.Error = fmt.Sprintf("%s: %v", rec.rep.File, err)
			rec.ic.c.Log.Error("writing the recording failed; this track stops, the others go on", "file", rec.rep.File, "err", err)
			continue
		}
		if rec.rep.Frames == 0 {
			rec.first = f.Timestamp
			rec.rep.FirstFrameMs = ms(time.Since(rec.ic.started))
			if hook := r.cfg.onFirstFrame; hook != nil {
				hook()
			}
		}
		rec.last = f.Timestamp
		rec.rep.Frames++
		rec.rep.Bytes += int64(len(f.Data))
		r.frames.Add(1)
		r.bytes.Add(int64(len(f.Data)))
	}
}

func (rec *recording) requestKeyframe(now time.Time) {
	if now.Sub(rec.lastPLI) < pliInterval || !rec.codec.Video() {
		return
	}
	rec.lastPLI = now
	rec.rep.PLIsSent++
	if p := rec.ic.r.cfg.probe; p != nil {
		p.pli()
	}
	if err := rec.ic.c.PC.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(rec.t.SSRC())}}); err != nil {
		rec.ic.c.Log.Debug("sending PLI", "err", err)
	}
}

func (rec *recording) stats() {
	s := rec.asm.Stats()
	rec.rep.FramesDropped += int(s.FramesDropped)
	rec.rep.PacketsLost = int(s.Lost)
	rec.rep.Packets = int(s.Packets)
	rec.rep.Duplicates = int(s.Duplicates)
	if p := rec.ic.r.cfg.probe; p != nil {
		p.tick(rec.sink, s)
	}
	if rec.rep.Frames > 0 {
		rec.rep.DurationMs = float64(rec.last-rec.first) / float64(rec.codec.ClockRate) * 1000
	}
}

// readRTCP reads the track's RTCP until the call closes: pion's
// interceptors see the sender reports only when someone reads them (and
// without them receiver reports carry no round-trip timing). The first
// report times the track in a muxed file; RTCP BYE ends the track.
func (rec *recording) readRTCP(r *webrtc.RTPReceiver) {
	ssrc := uint32(rec.t.SSRC())
	for {
		pkts, _, err := r.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.SenderReport:
				if mt := rec.mux.Load(); p.SSRC == ssrc && mt != nil {
					mt.SenderReport(rtpio.NTPTime(p.NTPTime), p.RTPTime)
				}
			case *rtcp.Goodbye:
				for _, s := range p.Sources {
					if s == ssrc && rec.ended.CompareAndSwap(false, true) {
						rec.ic.c.Log.Debug("track ended by RTCP BYE", "ssrc", ssrc)
					}
				}
			}
		}
	}
}

// discard reads a track nobody records until the call or the track ends:
// its packets still pass pion's interceptors, so the sender gets receiver
// reports (and knows when to say bye) and NACKs.
func (rec *recording) discard() {
	for rec.ic.c.Context().Err() == nil && !rec.ended.Load() {
		rec.t.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if _, _, err := rec.t.ReadRTP(); err != nil && !isTimeout(err) {
			return
		}
	}
}

// opusChannels is the channel count the SDP negotiated: stereo when the
// sender's fmtp says it sends stereo.
func opusChannels(fmtp string) int {
	for _, kv := range strings.Split(fmtp, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		if (k == "sprop-stereo" || k == "stereo") && v == "1" {
			return 2
		}
	}
	return 1
}
