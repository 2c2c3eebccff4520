package media

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"
)

// Comparison says how a recording matches its source, sample by sample.
type Comparison struct {
	Source, Recorded int   // samples in each
	SourceTrack      Track // what each file holds
	RecordedTrack    Track
	// Start is the source sample the recording starts with (after a loss
	// at the start, a later keyframe), or -1 when it starts with none.
	Start int
	// Identical counts recorded samples equal to the source sample at
	// their time (±1 ms; Opus exactly), times taken from each file's
	// first sample.
	Identical int
	// Missing counts source samples from Start to the recording's end that
	// the recording does not have.
	Missing int
	// FirstDifference is the index of the first recorded sample that is not
	// identical, or -1.
	FirstDifference int
}

// Exact reports whether the recording has every sample of the source,
// byte for byte, at the source's times.
func (c Comparison) Exact() bool {
	return c.Source == c.Recorded && c.Identical == c.Source && c.FirstDifference < 0 && c.Start == 0
}

// Faithful reports whether every recorded sample is a source sample at its
// time: samples may be missing (lost and never written), none differs.
func (c Comparison) Faithful() bool {
	return c.Recorded > 0 && c.Identical == c.Recorded && c.FirstDifference < 0
}

func (c Comparison) String() string {
	return fmt.Sprintf("%d/%d samples identical (%d recorded, %d missing, first difference %d)", c.Identical, c.Source, c.Recorded, c.Missing, c.FirstDifference)
}

// Compare reads a source file and a recording of it (a webrtc-cli receive
// output) and compares them.
func Compare(source, recorded string) (Comparison, error) {
	st, want, err := readAll(source)
	if err != nil {
		return Comparison{}, err
	}
	rt, got, err := readAll(recorded)
	if err != nil {
		return Comparison{}, err
	}
	c := Comparison{Source: len(want), Recorded: len(got), SourceTrack: st, RecordedTrack: rt, Start: -1, FirstDifference: -1}
	if len(got) == 0 {
		return c, nil
	}
	j := 0
	for j < len(want) && !bytes.Equal(want[j].Data, got[0].Data) {
		j++
	}
	if j == len(want) {
		c.FirstDifference = 0
		return c, nil
	}
	c.Start = j
	base, gbase := want[j], got[0]
	exactTicks := st.Codec == Opus && rt.Codec == Opus
	for i, g := range got {
		at := g.Offset - gbase.Offset
		// Source samples before this one's time are missing from it.
		for j < len(want) && want[j].Offset-base.Offset < at-time.Millisecond {
			c.Missing++
			j++
		}
		same := j < len(want) && bytes.Equal(g.Data, want[j].Data) && absDuration(want[j].Offset-base.Offset-at) <= time.Millisecond &&
			(!exactTicks || g.Ticks-gbase.Ticks == want[j].Ticks-base.Ticks)
		if same {
			c.Identical++
			j++
		} else if c.FirstDifference < 0 {
			c.FirstDifference = i
		}
	}
	return c, nil
}

func readAll(path string) (Track, []Sample, error) {
	src, err := Open(path)
	if err != nil {
		return Track{}, nil, err
	}
	defer src.Close()
	var out []Sample
	for {
		s, err := src.Next()
		if errors.Is(err, io.EOF) {
			return src.Track(), out, nil
		}
		if err != nil {
			return Track{}, nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, s)
	}
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
