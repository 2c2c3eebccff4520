package app

import (
	"encoding/json"
	"os"
	"sync"
	"time"

	"github.com/webrtc-cli/webrtc-cli/peer"
)

// Report is the JSON summary --report writes: one entry per remote peer
// and track.
type Report struct {
	Command  string    `json:"command"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Inputs are what send read, one a track: files, "-" or "live".
	Inputs []string       `json:"inputs,omitempty"`
	Tracks []*TrackReport `json:"tracks"`

	mu     sync.Mutex
	routes map[string]peer.Route // by remote peer id
}

// TrackReport is what happened to one track with one remote peer.
type TrackReport struct {
	Peer     string `json:"peer"`
	PeerName string `json:"peer_name,omitempty"`
	Kind     string `json:"kind"`
	Codec    string `json:"codec"`
	File     string `json:"file,omitempty"`
	Frames   int64  `json:"frames"`
	Bytes    int64  `json:"bytes"`
	Complete bool   `json:"complete"`
	// Incomplete says why a recording is not complete (receive).
	Incomplete string `json:"incomplete,omitempty"`
	// Route is the ICE candidate pair the call with Peer took when it
	// connected: route.local.type "relay" means through a TURN relay.
	Route *peer.Route `json:"route,omitempty"`

	// send
	PacingP50ms      float64 `json:"pacing_p50_ms,omitempty"`
	PacingP99ms      float64 `json:"pacing_p99_ms,omitempty"`
	PacingMaxms      float64 `json:"pacing_max_ms,omitempty"`
	RTTms            float64 `json:"rtt_ms,omitempty"`
	LossFraction     float64 `json:"loss_fraction,omitempty"`
	KeyframeRequests int     `json:"keyframe_requests,omitempty"`
	NACKs            int     `json:"nacks,omitempty"` // packets the receiver asked again

	// receive
	FirstFrameMs  float64 `json:"first_frame_ms,omitempty"` // from the call's start
	DurationMs    float64 `json:"duration_ms,omitempty"`
	FramesDropped int     `json:"frames_dropped,omitempty"`
	PacketsLost   int     `json:"packets_lost,omitempty"`
	Packets       int     `json:"packets,omitempty"` // received, retransmissions and duplicates included
	Duplicates    int     `json:"duplicates,omitempty"`
	PLIsSent      int     `json:"plis_sent,omitempty"`
	// FramesNotMuxed are frames a WebM/MKV file could not take: its track
	// came after the file had started, or they were older than its start.
	FramesNotMuxed int    `json:"frames_not_muxed,omitempty"`
	Error          string `json:"error,omitempty"`
}

func newReport(cmd string) *Report {
	return &Report{Command: cmd, Started: time.Now(), Tracks: []*TrackReport{}}
}

func (r *Report) track(p peer.Remote, kind, codec, file string) *TrackReport {
	t := &TrackReport{Peer: p.ID, PeerName: p.Name, Kind: kind, Codec: codec, File: file}
	r.mu.Lock()
	r.Tracks = append(r.Tracks, t)
	r.mu.Unlock()
	return t
}

// finish ends the report: the tracks get their calls' routes.
func (r *Report) finish() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Finished = time.Now()
	for _, t := range r.Tracks {
		if route, ok := r.routes[t.Peer]; ok {
			t.Route = &route
		}
	}
}

// connected notes the route of c, which has just connected.
func (r *Report) connected(c *peer.Call) {
	route, ok := c.Route()
	if !ok {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.routes == nil {
		r.routes = map[string]peer.Route{}
	}
	r.routes[c.Remote.ID] = route
}

// Peers counts the remote peers the report has tracks with.
func (r *Report) Peers() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[string]bool{}
	for _, t := range r.Tracks {
		seen[t.Peer] = true
	}
	return len(seen)
}

// WriteFile writes the report as indented JSON.
func (r *Report) WriteFile(path string) error {
	r.mu.Lock()
	b, err := json.MarshalIndent(r, "", "  ")
	r.mu.Unlock()
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// ms is a duration in the reports' unit.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
