package peer

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	"github.com/webrtc-cli/webrtc-cli/media"
	"github.com/webrtc-cli/webrtc-cli/media/h264"
	"github.com/webrtc-cli/webrtc-cli/media/ivf"
	"github.com/webrtc-cli/webrtc-cli/media/mkv"
	"github.com/webrtc-cli/webrtc-cli/media/ogg"
	"github.com/webrtc-cli/webrtc-cli/media/rtpio"
)

// preSkip is written into recorded Opus files. The sender's real value is
// not in the RTP stream; 312 is libopus's at 48 kHz, and libopus is behind
// nearly every WebRTC sender, so decoded samples line up with the source.
const preSkip = 312

// pliInterval limits keyframe requests while a stream waits for one.
const pliInterval = 300 * time.Millisecond

// frameWriter is the container side of a recording.
type frameWriter interface {
	write(f rtpio.Frame) error
	Close() error
}

// record writes one incoming track to a file until the call ends.
func (r *receiver) record(c *Call, ic *inCall, t *webrtc.TrackRemote, receiver *webrtc.RTPReceiver, started time.Time) {
	codec, err := media.CodecByMime(t.Codec().MimeType)
	if err != nil {
		c.Log.Warn("not recording a track of an unsupported codec", "codec", t.Codec().MimeType)
		discard(c, t)
		return
	}
	kind := t.Kind().String()
	if r.cfg.Format != "" {
		r.recordMuxed(c, ic, t, receiver, started, codec, kind)
		return
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		readSenderReports(receiver, t.SSRC(), nil)
	}()
	f, name, closeF, err := r.destination(ic, t, kind, codec.Ext)
	if f == nil && err == nil {
		discard(c, t) // standard output is taken by another track
		return
	}
	rep := r.report.track(c.Remote, kind, codec.Name, name)
	if err != nil {
		rep.Error = err.Error()
		c.Log.Error("cannot create the recording", "err", err)
		return
	}
	var w frameWriter
	switch {
	case codec == media.H264:
		w = &h264Out{w: h264.NewWriter(f)}
	case codec.FourCC != "":
		w = &ivfOut{w: ivf.NewWriter(f, codec.FourCC)}
	default:
		ow, err := ogg.NewWriter(f, opusChannels(t.Codec().SDPFmtpLine), preSkip)
		if err != nil {
			closeF()
			rep.Error = err.Error()
			c.Log.Error("cannot write the recording", "file", name, "err", err)
			return
		}
		w = &oggOut{w: ow}
	}
	r.finishRecording(c, t, codec, w, closeF, rep, started, name)
	if r.cfg.Stdout != nil {
		r.stop() // the one track for standard output is done
	}
}

// finishRecording reassembles t's packets into w until the call ends,
// then finalizes the file and reports it. closeF closes what w writes to.
func (r *receiver) finishRecording(c *Call, t *webrtc.TrackRemote, codec *media.Codec, w frameWriter, closeF func() error, rep *TrackReport, started time.Time, name string) {
	asm, err := rtpio.NewAssembler(rtpio.AssemblerConfig{Codec: codec, MaxDelay: r.cfg.MaxDelay})
	if err == nil {
		c.Log.Info("recording track", "file", name, "codec", codec)
		rec := &recording{r: r, c: c, t: t, asm: asm, w: w, rep: rep, started: started, video: t.Kind() == webrtc.RTPCodecTypeVideo, file: name}
		rec.run()
	}
	if err := w.Close(); err != nil && rep.Error == "" {
		rep.Error = fmt.Sprintf("%s: %v", name, err)
		c.Log.Error("finishing the recording", "file", name, "err", err)
	}
	if err := closeF(); err != nil && rep.Error == "" {
		rep.Error = fmt.Sprintf("%s: %v", name, err)
	}
	c.Log.Info("recording closed", "file", name, "frames", rep.Frames, "dropped", rep.FramesDropped, "lost", rep.PacketsLost)
	if r.cfg.OnFile != nil {
		r.cfg.OnFile(name, rep)
	}
}

// recordMuxed records a track into the call's one WebM/Matroska file.
func (r *receiver) recordMuxed(c *Call, ic *inCall, t *webrtc.TrackRemote, receiver *webrtc.RTPReceiver, started time.Time, codec *media.Codec, kind string) {
	ic.muxOnce.Do(func() {
		f, err := ic.create("recording", "."+r.cfg.Format, r.cfg.openFile)
		if err != nil {
			ic.muxErr = err
			return
		}
		ic.mux = newCallMux(r.cfg.Format == "webm", expectedTracks(c.PC), c.Log)
		ic.mux.file, ic.mux.name = f, f.Name()
	})
	rep := r.report.track(c.Remote, kind, codec.Name, "")
	if ic.muxErr != nil {
		rep.Error = ic.muxErr.Error()
		c.Log.Error("cannot create the recording", "err", ic.muxErr)
		discard(c, t)
		return
	}
	rep.File = ic.mux.name
	spec := mkv.TrackSpec{CodecID: codec.MatroskaID}
	if kind == "audio" {
		spec.Channels = int(opusChannels(t.Codec().SDPFmtpLine))
	}
	mt := ic.mux.addTrack(spec, t.Codec().ClockRate, kind == "video")
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		readSenderReports(receiver, t.SSRC(), mt)
	}()
	// The track's Close finishes the file when it is the call's last.
	r.finishRecording(c, t, codec, mt, func() error { return nil }, rep, started, ic.mux.name)
}

// discard reads a track nobody records until the call ends: its packets
// still pass pion's interceptors, so the sender gets receiver reports
// (and knows when to say bye) and NACKs.
func discard(c *Call, t *webrtc.TrackRemote) {
	for c.Context().Err() == nil {
		t.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if _, _, err := t.ReadRTP(); err != nil {
			var timeout interface{ Timeout() bool }
			if !errors.As(err, &timeout) || !timeout.Timeout() {
				return
			}
		}
	}
}

// destination opens where a track is written: a new file in the sender's
// directory, or standard output for the first track (of Kind) when
// recording to it. A nil file with a nil error means: do not record.
func (r *receiver) destination(ic *inCall, t *webrtc.TrackRemote, kind, ext string) (io.Writer, string, func() error, error) {
	if r.cfg.Stdout != nil {
		if (r.cfg.StdoutKind != "" && r.cfg.StdoutKind != kind) || !r.stdoutTaken.CompareAndSwap(false, true) {
			r.log.Warn("not recording a second track: standard output takes one", "kind", kind)
			return nil, "", nil, nil
		}
		return r.cfg.Stdout, "-", func() error { return nil }, nil
	}
	f, err := ic.create(safeName(t.ID(), kind), ext, r.cfg.openFile)
	if err != nil {
		return nil, "", nil, err
	}
	return f, f.Name(), f.Close, nil
}

type recording struct {
	r       *receiver
	c       *Call
	t       *webrtc.TrackRemote
	asm     *rtpio.Assembler
	w       frameWriter
	rep     *TrackReport
	started time.Time
	video   bool
	file    string
	failed  bool // a write failed: keep reading, stop writing
	lastPLI time.Time
	first   uint64
	last    uint64
}

// run reads packets until the call ends, then drains what is buffered.
func (rec *recording) run() {
	rec.requestKeyframe(time.Now())
	ending := false
	for {
		now := time.Now()
		deadline := now.Add(100 * time.Millisecond)
		if ending {
			// The call is over: take what pion still holds, briefly.
			deadline = now.Add(20 * time.Millisecond)
		} else if d, ok := rec.asm.Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
		rec.t.SetReadDeadline(deadline)
		p, _, err := rec.t.ReadRTP()
		now = time.Now()
		if err == nil {
			rec.asm.Push(p, now)
		}
		rec.pop(now)
		if rec.video && rec.asm.NeedKeyframe() {
			rec.requestKeyframe(now)
		}
		var timeout interface{ Timeout() bool }
		switch {
		case err != nil && !(errors.As(err, &timeout) && timeout.Timeout()):
			ending = true // closed: nothing more will come
			fallthrough
		case ending && err != nil:
			rec.asm.Flush()
			rec.pop(now)
			rec.stats()
			return
		}
		if !ending && rec.c.Context().Err() != nil {
			ending = true
		}
	}
}

func (rec *recording) pop(now time.Time) {
	for {
		f, ok := rec.asm.Pop(now)
		if !ok {
			return
		}
		if rec.failed {
			continue
		}
		if err := rec.w.write(f); errors.Is(err, errSkipped) {
			rec.rep.FramesDropped++
			continue
		} else if err != nil {
			rec.failed = true
			rec.rep.Error = fmt.Sprintf("%s: %v", rec.file, err)
			rec.c.Log.Error("writing the recording failed; this track stops, the others go on", "file", rec.file, "err", err)
			continue
		}
		if rec.rep.Frames == 0 {
			rec.first = f.Timestamp
			rec.rep.FirstFrameMs = ms(time.Since(rec.started))
			if hook := rec.r.cfg.onFirstFrame; hook != nil {
				hook()
			}
		}
		rec.last = f.Timestamp
		rec.rep.Frames++
		rec.rep.Bytes += int64(len(f.Data))
		rec.r.frames.Add(1)
		rec.r.bytes.Add(int64(len(f.Data)))
	}
}

func (rec *recording) requestKeyframe(now time.Time) {
	if now.Sub(rec.lastPLI) < pliInterval || !rec.video {
		return
	}
	rec.lastPLI = now
	rec.rep.PLIsSent++
	if err := rec.c.PC.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(rec.t.SSRC())}}); err != nil {
		rec.c.Log.Debug("sending PLI", "err", err)
	}
}

func (rec *recording) stats() {
	s := rec.asm.Stats()
	rec.rep.FramesDropped = int(s.FramesDropped)
	rec.rep.PacketsLost = int(s.Lost)
	rec.rep.Duplicates = int(s.Duplicates)
	if rec.rep.Frames > 0 {
		clock := float64(rec.t.Codec().ClockRate)
		rec.rep.DurationMs = float64(rec.last-rec.first) / clock * 1000
	}
}

type ivfOut struct {
	w     *ivf.Writer
	base  uint64
	begun bool
}

func (o *ivfOut) write(f rtpio.Frame) error {
	if !o.begun {
		o.base, o.begun = f.Timestamp, true
	}
	return o.w.WriteFrame(f.Data, f.Timestamp-o.base)
}

func (o *ivfOut) Close() error { return o.w.Close() }

// h264Out writes Annex-B. A raw .h264 file has no timestamps: players use
// the SPS timing.
type h264Out struct{ w *h264.Writer }

func (o *h264Out) write(f rtpio.Frame) error { return o.w.WriteAccessUnit(f.Data) }
func (o *h264Out) Close() error              { return nil }

type oggOut struct {
	w     *ogg.Writer
	base  uint64
	end   uint64
	begun bool
}

func (o *oggOut) write(f rtpio.Frame) error {
	if !o.begun {
		o.base, o.begun = f.Timestamp, true
	}
	start := f.Timestamp - o.base
	// A sender whose timestamps overlap its own packets would make the
	// granule positions go backwards: keep the timeline monotonic.
	start = max(start, o.end)
	dur, err := ogg.PacketDuration(f.Data)
	if err != nil {
		return fmt.Errorf("%w: %v", errSkipped, err)
	}
	if err := o.w.WritePacket(f.Data, start); err != nil {
		return err
	}
	o.end = start + uint64(dur)
	return nil
}

func (o *oggOut) Close() error { return o.w.Close() }

// errSkipped is a frame not worth writing (an invalid Opus packet); the
// recording goes on.
var errSkipped = errors.New("frame skipped")
