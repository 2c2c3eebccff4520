package mp4

import (
	"bytes"
	"testing"

	"github.com/Eyevinn/mp4ff/avc"
	"github.com/Eyevinn/mp4ff/mp4"
)

// sampleOf is what the file must store for an input frame: H264 with
// length prefixes, AV1 without its temporal delimiter.
func sampleOf(codec string, f frame) []byte {
	switch {
	case codec == CodecH264 && f.track == 0:
		return avc.ConvertByteStreamToNaluSample(bytes.Clone(f.data)) // it converts in place
	case codec == CodecAV1 && f.track == 0 && len(f.data) > 2 && f.data[0] == 0x12 && f.data[1] == 0:
		return f.data[2:]
	}
	return f.data
}

// TestReadBack reads the files back with mp4ff, an independent parser,
// and checks each sample's bytes and decode time against the input: in
// the regular file through its sample tables, in the fragmented one
// through the fragments.
func TestReadBack(t *testing.T) {
	for _, c := range videoCases {
		t.Run(c.name, func(t *testing.T) {
			video, audio := c.frames(t), oggFrames(t, "opus-stereo.ogg", 1)
			specs := []TrackSpec{{Codec: c.codec}, opusSpec}
			regular := writeFile(t, c.name, specs, Options{}, interleave(video, audio), func(w *Writer) { w.lay.reserve = 0 })
			checkTables(t, regular, c.codec, [][]frame{video, audio})
			fragmented := writeFile(t, c.name, specs, Options{Fragmented: true}, interleave(video, audio), nil)
			checkFragments(t, fragmented, c.codec, [][]frame{video, audio})
		})
	}
}

func decodeFile(t *testing.T, path string) (*mp4.File, []byte) {
	t.Helper()
	b := readFile(t, path)
	pf, err := mp4.DecodeFile(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("mp4ff: %v", err)
	}
	return pf, b
}

func checkTables(t *testing.T, path, codec string, tracks [][]frame) {
	t.Helper()
	pf, b := decodeFile(t, path)
	if pf.IsFragmented() || len(pf.Moov.Traks) != len(tracks) {
		t.Fatalf("mp4ff reads a fragmented file, or %d tracks", len(pf.Moov.Traks))
	}
	for i, trak := range pf.Moov.Traks {
		stbl := trak.Mdia.Minf.Stbl
		if n := int(stbl.Stsz.SampleNumber); n != len(tracks[i]) {
			t.Errorf("track %d: %d samples, wrote %d", i, n, len(tracks[i]))
			continue
		}
		ts := uint64(trak.Mdia.Mdhd.Timescale)
		for j, f := range tracks[i] {
			r, err := trak.GetRangesForSampleInterval(uint32(j+1), uint32(j+1))
			if err != nil || len(r) != 1 || !bytes.Equal(b[r[0].Offset:r[0].Offset+r[0].Size], sampleOf(codec, f)) {
				t.Fatalf("track %d sample %d: ranges %v, %v; not the frame written", i, j, r, err)
			}
			dts, _ := stbl.Stts.GetDecodeTime(uint32(j + 1))
			first := tracks[i][0].pts
			if want := (&track{timescale: uint32(ts)}).ticks(f.pts - first); dts != want {
				t.Fatalf("track %d sample %d: decode time %d, want %d", i, j, dts, want)
			}
		}
	}
}

func checkFragments(t *testing.T, path, codec string, tracks [][]frame) {
	t.Helper()
	pf, _ := decodeFile(t, path)
	if !pf.IsFragmented() {
		t.Fatal("mp4ff reads a regular file")
	}
	next := make([]int, len(tracks))
	for _, seg := range pf.Segments {
		for _, frag := range seg.Fragments {
			for _, traf := range frag.Moof.Trafs {
				i := int(traf.Tfhd.TrackID) - 1
				trex, _ := pf.Init.Moov.Mvex.GetTrex(traf.Tfhd.TrackID)
				samples, err := frag.GetFullSamples(trex)
				if err != nil {
					t.Fatalf("mp4ff: %v", err)
				}
				for _, s := range samples {
					f := tracks[i][next[i]]
					if !bytes.Equal(s.Data, sampleOf(codec, f)) {
						t.Fatalf("track %d sample %d: not the frame written", i, next[i])
					}
					if want := (&track{timescale: pf.Init.Moov.Traks[i].Mdia.Mdhd.Timescale}).ticks(f.pts); s.DecodeTime != want {
						t.Fatalf("track %d sample %d: decode time %d, want %d", i, next[i], s.DecodeTime, want)
					}
					next[i]++
				}
			}
		}
	}
	for i, n := range next {
		if n != len(tracks[i]) {
			t.Errorf("track %d: %d samples in the fragments, wrote %d", i, n, len(tracks[i]))
		}
	}
}
