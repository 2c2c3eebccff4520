package mkv

import (
	"bytes"
	"os"
	"testing"

	"github.com/at-wat/ebml-go"
	"github.com/at-wat/ebml-go/webm"
)

// parsed is a file read back with ebml-go, to check what ffprobe does not
// show: the element layout, exact block bytes and timestamps, the cues.
type parsed struct {
	file
	clusterPos []uint64 // offsets of the Clusters in the Segment's data
	sizes      map[string][]uint64
}

type file struct {
	Header  webm.EBMLHeader `ebml:"EBML"`
	Segment struct {
		SeekHead webm.SeekHead `ebml:"SeekHead"`
		Info     struct {
			TimecodeScale uint64  `ebml:"TimecodeScale"`
			Duration      float64 `ebml:"Duration"`
		} `ebml:"Info"`
		Tracks  webm.Tracks `ebml:"Tracks"`
		Cluster []struct {
			Timecode    uint64       `ebml:"Timecode"`
			SimpleBlock []ebml.Block `ebml:"SimpleBlock"`
		} `ebml:"Cluster"`
		Cues webm.Cues `ebml:"Cues"`
	} `ebml:"Segment"`
}

// block is a SimpleBlock with its absolute time.
type block struct {
	track uint64
	ms    int64
	key   bool
	data  []byte
}

func readBack(t *testing.T, path string) *parsed {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var p parsed
	p.sizes = map[string][]uint64{}
	// Hooks run when an element has been read, so the Segment's comes
	// after its Clusters'.
	var segData uint64
	hook := func(e *ebml.Element) {
		switch e.Name {
		case "Segment":
			segData = e.Position + 12 // 4-byte ID, 8-byte size
		case "Cluster":
			p.clusterPos = append(p.clusterPos, e.Position)
		}
		p.sizes[e.Name] = append(p.sizes[e.Name], e.Size)
	}
	if err := ebml.Unmarshal(bytes.NewReader(b), &p.file, ebml.WithElementReadHooks(hook)); err != nil {
		t.Fatalf("ebml-go cannot read %s back: %v", path, err)
	}
	for i := range p.clusterPos {
		p.clusterPos[i] -= segData
	}
	return &p
}

func (p *parsed) blocks() []block {
	var out []block
	for _, c := range p.Segment.Cluster {
		for _, b := range c.SimpleBlock {
			out = append(out, block{track: b.TrackNumber, ms: int64(c.Timecode) + int64(b.Timecode), key: b.Keyframe, data: b.Data[0]})
		}
	}
	return out
}

func (p *parsed) trackBlocks(number uint64) []block {
	var out []block
	for _, b := range p.blocks() {
		if b.track == number {
			out = append(out, b)
		}
	}
	return out
}
