package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"

	"github.com/pion/webrtc/v4"
	"github.com/webrtc-cli/webrtc-cli/media"
	"github.com/webrtc-cli/webrtc-cli/media/capture"
	"github.com/webrtc-cli/webrtc-cli/media/h264"
	"github.com/webrtc-cli/webrtc-cli/media/synth"
	"github.com/webrtc-cli/webrtc-cli/peer"
)

// input is one track Send offers: a file each receiver plays from its
// start (open gives a new playback), or a live source shared by all.
type input struct {
	name  string // the file, "-" for standard input, or "live"
	info  media.Track
	codec webrtc.RTPCodecParameters
	open  func() (media.Source, error)
	live  *liveTrack
}

// inputs are the tracks of a Send and what must be closed when it ends.
type inputs struct {
	tracks  []*input
	lives   []*liveTrack
	live    *LiveInput
	release []func() error // the live sources' and the capture's Close
	closed  sync.Once
}

// close releases the live sources and the capture, once however often it
// is called: Send closes them early, to end their readers, and on return.
func (in *inputs) close() {
	in.closed.Do(func() {
		for _, f := range in.release {
			f()
		}
	})
}

// openInputs opens what cfg names: files (probed), standard input, a
// capture through ffmpeg, or live sources given by the caller. Whatever it
// returns, even with an error, close releases.
func openInputs(ctx context.Context, cfg *SendConfig) (*inputs, error) {
	in := &inputs{}
	live := cfg.Live
	switch {
	case cfg.Capture != nil:
		c, err := capture.Start(ctx, *cfg.Capture)
		if err != nil {
			return in, err
		}
		live = &LiveInput{Wait: c.Wait}
		for _, src := range []media.Source{c.Video, c.Audio} {
			if src != nil {
				live.Sources = append(live.Sources, src)
			}
		}
		in.release = append(in.release, c.Close)
	case slices.Contains(cfg.Files, "-"):
		var err error
		if live, err = openPiped(cfg); err != nil {
			return in, err
		}
	}
	if live != nil {
		// Send owns live sources: closing them ends their readers.
		var sources []func() error
		for _, src := range live.Sources {
			sources = append(sources, src.Close)
		}
		in.release = append(sources, in.release...) // before the capture's

		in.live = live
		return in, in.addLive(live)
	}
	if cfg.Synthetic != nil {
		return in, in.addSynthetic(*cfg.Synthetic)
	}
	return in, in.addFiles(cfg.Files, cfg.FPS, cfg.Loop)
}

// addSynthetic adds generated video and audio, each receiver its own
// endless playback.
func (in *inputs) addSynthetic(cfg synth.Config) error {
	if _, err := synth.NewVideo(cfg); err != nil {
		return err
	}
	video := func() (media.Source, error) { return synth.NewVideo(cfg) }
	audio := func() (media.Source, error) { return synth.NewAudio(), nil }
	for _, t := range []struct {
		open func() (media.Source, error)
		name string
	}{{video, "synthetic video"}, {audio, "synthetic audio"}} {
		src, _ := t.open()
		if err := in.add(&input{name: t.name, info: src.Track(), open: t.open}); err != nil {
			return err
		}
	}
	return nil
}

// openPiped opens files of which one is standard input ("-") as a single
// playback shared by every receiver: a pipe can be read only once, so the
// files that go with it are played alongside it, paced by their
// timestamps from the first receiver on.
func openPiped(cfg *SendConfig) (*LiveInput, error) {
	live := &LiveInput{Paced: true}
	fail := func(err error) (*LiveInput, error) {
		for _, src := range live.Sources {
			src.Close()
		}
		return nil, err
	}
	for _, p := range cfg.Files {
		if p != "-" {
			src, err := media.OpenWith(p, cfg.FPS)
			if err != nil {
				return fail(err)
			}
			live.Sources, live.Names = append(live.Sources, src), append(live.Names, p)
			continue
		}
		if slices.Contains(live.Names, "-") {
			return fail(errors.New("standard input (-) can be only one of the files"))
		}
		r := cfg.Stdin
		if r == nil {
			r = os.Stdin
		}
		src, err := media.NewSourceWith(r, cfg.FPS)
		if err != nil {
			return fail(fmt.Errorf("standard input: %w", err))
		}
		live.Sources, live.Names = append(live.Sources, src), append(live.Names, "-")
		if got := src.Track().Codec.Format(); cfg.Format != "" && got != cfg.Format {
			return fail(fmt.Errorf("%w: standard input is %s, not %s", media.ErrUnknownFormat, got, cfg.Format))
		}
	}
	return live, nil
}

func (in *inputs) add(t *input) error {
	for _, o := range in.tracks {
		if o.info.Codec.Kind == t.info.Codec.Kind {
			return fmt.Errorf("%s: at most one video and one audio input", t.name)
		}
	}
	codec, err := peer.Codec(t.info.Codec, t.info.Channels)
	if err != nil {
		return fmt.Errorf("%s: %w", t.name, err)
	}
	if t.info.Fmtp != "" {
		codec.SDPFmtpLine = t.info.Fmtp
	}
	t.codec = codec
	in.tracks = append(in.tracks, t)
	return nil
}

func (in *inputs) addLive(live *LiveInput) error {
	if len(live.Sources) == 0 {
		return errors.New("no live source")
	}
	for i, src := range live.Sources {
		name := "live"
		if i < len(live.Names) {
			name = live.Names[i]
		}
		l := newLiveTrack(src, live.Paced)
		if err := in.add(&input{name: name, info: src.Track(), live: l}); err != nil {
			return err
		}
		in.lives = append(in.lives, l)
	}
	return nil
}

// addFiles reads each file through once, so that a truncated or corrupt
// file is refused before anyone is connected, with the reason.
func (in *inputs) addFiles(paths []string, fps h264.Rational, loop bool) error {
	if len(paths) == 0 {
		return errors.New("no input file")
	}
	for _, p := range paths {
		open := func() (media.Source, error) { return media.OpenWith(p, fps) }
		src, err := open()
		if err != nil {
			return err
		}
		info := src.Track()
		n, err := drain(src)
		src.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if n == 0 {
			return fmt.Errorf("%s: no frames", p)
		}
		if loop {
			once := open
			open = func() (media.Source, error) { return media.Loop(once) }
		}
		if err := in.add(&input{name: p, info: info, open: open}); err != nil {
			return err
		}
	}
	return nil
}

// drain counts a source's samples up to its end.
func drain(src media.Source) (int, error) {
	for n := 0; ; n++ {
		if _, err := src.Next(); err != nil {
			if errors.Is(err, io.EOF) {
				return n, nil
			}
			return n, err
		}
	}
}
