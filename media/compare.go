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
	Source, Recorded int // samples in each
	Identical        int // recorded samples equal to their source sample, at its time (±1 ms)
	// FirstDifference is the index of the first recorded sample that is not
	// identical, or -1.
	FirstDifference int
}

// Exact reports whether the recording has every sample of the source,
// byte for byte, at the source's times.
func (c Comparison) Exact() bool {
	return c.Source == c.Recorded && c.Identical == c.Source && c.FirstDifference < 0
}

func (c Comparison) String() string {
	return fmt.Sprintf("%d/%d samples identical (%d recorded)", c.Identical, c.Source, c.Recorded)
}

// Compare reads a source file and a recording of it (a webrtc-cli receive
// output) and compares them. Times are taken relative to each file's first
// sample.
func Compare(source, recorded string) (Comparison, error) {
	want, err := readAll(source)
	if err != nil {
		return Comparison{}, err
	}
	got, err := readAll(recorded)
	if err != nil {
		return Comparison{}, err
	}
	c := Comparison{Source: len(want), Recorded: len(got), FirstDifference: -1}
	for i, g := range got {
		if i < len(want) && bytes.Equal(g.Data, want[i].Data) && absDuration(g.Offset-want[i].Offset) <= time.Millisecond {
			c.Identical++
		} else if c.FirstDifference < 0 {
			c.FirstDifference = i
		}
	}
	return c, nil
}

func readAll(path string) ([]Sample, error) {
	src, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	var out []Sample
	for {
		s, err := src.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
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
