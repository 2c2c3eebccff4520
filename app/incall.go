package app

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/webrtc-cli/webrtc-cli/media"
	"github.com/webrtc-cli/webrtc-cli/peer"
)

// errTracksEnded ends a call whose every track the sender ended with RTCP
// BYE: the recording is complete, whether or not signaling says bye too.
var errTracksEnded = errors.New("the sender ended every track (RTCP BYE)")

// inCall is the receiving side of one sender's call: its directory, its
// tracks' recordings and, with a Format, its one muxed file.
type inCall struct {
	r       *receiver
	c       *peer.Call
	dir     string
	started time.Time

	mu      sync.Mutex
	closing bool           // the call is over: no new recordings
	recs    sync.WaitGroup // recordings under way
	used    map[string]bool
	byes    int // tracks ended by RTCP BYE

	// The muxed file, made once by the first track that wants it; its
	// tracks read these after muxOnce.Do, and wait after they are done.
	muxOnce sync.Once
	mux     *media.Muxer
	muxName string
	muxErr  error
	muxOut  io.Closer
}

func newInCall(r *receiver, c *peer.Call) *inCall {
	return &inCall{r: r, c: c, dir: r.claimDir(c), started: time.Now(), used: map[string]bool{}}
}

// onTrack starts recording a track that arrived. A track that arrives as
// the call ends is not recorded: wait may already be waiting.
func (ic *inCall) onTrack(t *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
	if !ic.begin() {
		return
	}
	r := ic.r
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer ic.recs.Done()
		r.recording.Add(1)
		defer r.recording.Add(-1)
		ic.record(t, recv)
	}()
}

// begin counts a new recording, unless the call is over: Add and Wait
// of recs never race, as wait sets closing under the same lock.
func (ic *inCall) begin() bool {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	if ic.closing || ic.c != nil && ic.c.Context().Err() != nil {
		return false
	}
	ic.recs.Add(1)
	return true
}

// wait waits for every recording of the call, once it is over.
func (ic *inCall) wait() {
	ic.mu.Lock()
	ic.closing = true
	ic.mu.Unlock()
	ic.recs.Wait()
	if ic.muxOut != nil {
		ic.muxOut.Close()
	}
}

// trackEnded counts a track the sender ended with RTCP BYE, and ends the
// call when that was the last of its tracks.
func (ic *inCall) trackEnded() {
	ic.mu.Lock()
	ic.byes++
	all := ic.byes >= expectedTracks(ic.c.PC)
	ic.mu.Unlock()
	if all {
		ic.c.Log.Info("the sender ended every track (RTCP BYE)")
		ic.c.End(errTracksEnded)
	}
}

// create opens a new file in the call's directory, never overwriting one:
// a name already there gets -2, -3, ...
func (ic *inCall) create(base, ext string) (*os.File, error) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	if err := os.MkdirAll(ic.dir, 0o755); err != nil {
		return nil, err
	}
	for i := 1; i < 1000; i++ {
		name := base + ext
		if i > 1 {
			name = fmt.Sprintf("%s-%d%s", base, i, ext)
		}
		if ic.used[name] {
			continue
		}
		path := filepath.Join(ic.dir, name)
		if open := ic.r.cfg.openFile; open != nil {
			f, err := open(path)
			ic.used[name] = err == nil
			return f, err
		}
		// Read and write: an MP4 is finished in place by reading it back.
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err == nil {
			ic.used[name] = true
		}
		return f, err
	}
	return nil, fmt.Errorf("too many files named %s in %s", base, ic.dir)
}

// muxTrack adds a track to the call's one WebM/Matroska file, made at the
// first track: in the sender's directory, or on standard output.
func (ic *inCall) muxTrack(c *media.Codec, channels int) (*media.MuxTrack, string, error) {
	ic.muxOnce.Do(func() {
		var w io.Writer
		w, ic.muxName, ic.muxOut, ic.muxErr = ic.muxDestination()
		if ic.muxErr == nil {
			ic.mux, ic.muxErr = media.NewMuxer(w, ic.r.cfg.Format, ic.muxName, expectedTracks(ic.c.PC), ic.c.Log)
		}
	})
	if ic.muxErr != nil {
		return nil, "", ic.muxErr
	}
	t, err := ic.mux.Track(c, channels)
	return t, ic.muxName, err
}

// errNotRecorded is a track left alone: standard output takes another.
var errNotRecorded = errors.New("not recorded: standard output takes one recording")

func (ic *inCall) muxDestination() (io.Writer, string, io.Closer, error) {
	r := ic.r
	if r.cfg.Stdout != nil {
		if !r.takeStdout("") {
			return nil, "", nil, errNotRecorded
		}
		return r.cfg.Stdout, "-", nil, nil
	}
	f, err := ic.create("recording", r.cfg.Format.Ext())
	if err != nil {
		return nil, "", nil, err
	}
	return f, f.Name(), f, nil
}

// expectedTracks counts the media the remote peer sends in this call.
func expectedTracks(pc *webrtc.PeerConnection) int {
	n := 0
	for _, tr := range pc.GetTransceivers() {
		if d := tr.Direction(); (d == webrtc.RTPTransceiverDirectionRecvonly || d == webrtc.RTPTransceiverDirectionSendrecv) && tr.Receiver() != nil {
			n++
		}
	}
	return max(n, 1)
}
