package app

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/webrtc-cli/webrtc-cli/media"
	"github.com/webrtc-cli/webrtc-cli/media/pace"
)

// LiveInput is a source read once and shared by every receiver: a capture
// device through ffmpeg, or a stream on standard input.
type LiveInput struct {
	Sources []media.Source // at most one video and one audio
	// Names, when set, name the sources in reports and errors, one each
	// (default "live").
	Names []string
	// Paced sends samples at their timestamps (a file piped in); a live
	// capture is already paced by its clock.
	Paced bool
	// Wait, when set, is called once the sources have ended and says
	// whether their producer failed (ffmpeg's exit status).
	Wait func() error
}

// liveTrack fans one live source out to the receivers. A receiver that
// joins late starts at the next keyframe, and one that falls behind skips
// to the next keyframe too: the encoder is not waiting for anyone.
type liveTrack struct {
	src   media.Source
	info  media.Track
	paced bool

	mu    sync.Mutex
	subs  map[*liveSub]struct{}
	first chan struct{} // closed at the first subscriber
	done  chan struct{}
	err   error // why the source ended; nil at a clean end
}

type liveSub struct {
	ch      chan media.Sample
	started bool
}

func newLiveTrack(src media.Source, paced bool) *liveTrack {
	info := src.Track()
	return &liveTrack{src: src, info: info, paced: paced,
		subs: map[*liveSub]struct{}{}, first: make(chan struct{}), done: make(chan struct{})}
}

func (l *liveTrack) run(ctx context.Context) {
	defer func() {
		l.mu.Lock()
		for s := range l.subs {
			close(s.ch)
		}
		l.subs = nil
		l.mu.Unlock()
		close(l.done)
	}()
	if l.paced {
		// A piped file is not consumed until someone watches it.
		select {
		case <-l.first:
		case <-ctx.Done():
			return
		}
	}
	var pacer *pace.Pacer
	for {
		s, err := l.src.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) && ctx.Err() == nil {
				l.err = err
			}
			return
		}
		if l.paced {
			if pacer == nil {
				pacer = pace.New(timeNow())
			}
			if pacer.Wait(ctx, s.Offset) != nil {
				return
			}
		}
		key := s.Keyframe
		l.mu.Lock()
		for sub := range l.subs {
			if !sub.started && !key {
				continue
			}
			select {
			case sub.ch <- s:
				sub.started = true
			default:
				sub.started = false // behind: resume at a keyframe
			}
		}
		l.mu.Unlock()
	}
}

func (l *liveTrack) subscribe() *liveSub {
	s := &liveSub{ch: make(chan media.Sample, 64)}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.subs == nil {
		close(s.ch) // the source has ended
		return s
	}
	if len(l.subs) == 0 {
		select {
		case <-l.first:
		default:
			close(l.first)
		}
	}
	l.subs[s] = struct{}{}
	return s
}

func (l *liveTrack) unsubscribe(s *liveSub) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.subs[s]; ok {
		delete(l.subs, s)
		close(s.ch)
	}
}
