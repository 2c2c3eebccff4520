package mp4

import (
	"math"

	"github.com/Eyevinn/mp4ff/mp4"
)

// table is what the final moov needs of a track, kept while recording so
// that Close never reads the media back: about 4 bytes a sample, plus 12
// a fragment and 8 for each change of sample duration.
type table struct {
	sizes    []uint32
	stts     []sttsRun
	sync     []uint32 // numbers (from 1) of the keyframes, for video
	chunks   []chunk
	first    uint64 // decode time of the first sample on the file's timeline
	duration uint64 // of all samples
}

// sttsRun is count samples lasting delta ticks each.
type sttsRun struct{ count, delta uint32 }

// chunk is a track's samples in one fragment's mdat: they stay there as
// the chunk of the regular file.
type chunk struct {
	offset  int64
	samples uint32
}

// add records a sample.
func (tb *table) add(size, dur uint32, key bool, dts uint64) {
	if len(tb.sizes) == 0 {
		tb.first = dts
	}
	tb.sizes = append(tb.sizes, size)
	if n := len(tb.stts); n > 0 && tb.stts[n-1].delta == dur && tb.stts[n-1].count < math.MaxUint32 {
		tb.stts[n-1].count++
	} else {
		tb.stts = append(tb.stts, sttsRun{1, dur})
	}
	if key {
		tb.sync = append(tb.sync, uint32(len(tb.sizes)))
	}
	tb.duration += uint64(dur)
}

// chunk records where the samples of a fragment went.
func (tb *table) chunk(offset int64, samples uint32) {
	tb.chunks = append(tb.chunks, chunk{offset, samples})
}

// maxOffset is the offset of the last chunk.
func (tb *table) maxOffset() int64 {
	if len(tb.chunks) == 0 {
		return 0
	}
	return tb.chunks[len(tb.chunks)-1].offset
}

// stbl builds the sample table: chunk offsets move by shift, and are
// 64-bit (co64) if co64. keyframes adds an stss; without one every
// sample is a sync sample, as every Opus packet is.
func (tb *table) stbl(entry mp4.Box, shift int64, co64, keyframes bool) *mp4.StblBox {
	stbl := mp4.NewStblBox()
	stsd := mp4.NewStsdBox()
	stsd.AddChild(entry)
	stbl.AddChild(stsd)
	stts := &mp4.SttsBox{}
	for _, r := range tb.stts {
		stts.SampleCount = append(stts.SampleCount, r.count)
		stts.SampleTimeDelta = append(stts.SampleTimeDelta, r.delta)
	}
	stbl.AddChild(stts)
	if keyframes {
		stbl.AddChild(&mp4.StssBox{SampleNumber: tb.sync})
	}
	stbl.AddChild(tb.stsc())
	stbl.AddChild(&mp4.StszBox{SampleNumber: uint32(len(tb.sizes)), SampleSize: tb.sizes})
	if co64 {
		b := &mp4.Co64Box{ChunkOffset: make([]uint64, len(tb.chunks))}
		for i, c := range tb.chunks {
			b.ChunkOffset[i] = uint64(c.offset + shift)
		}
		stbl.AddChild(b)
	} else {
		b := &mp4.StcoBox{ChunkOffset: make([]uint32, len(tb.chunks))}
		for i, c := range tb.chunks {
			b.ChunkOffset[i] = uint32(c.offset + shift)
		}
		stbl.AddChild(b)
	}
	return stbl
}

// stsc maps chunks to sample counts: one entry for each run of chunks
// with the same count.
func (tb *table) stsc() *mp4.StscBox {
	b := &mp4.StscBox{}
	var last uint32
	for i, c := range tb.chunks {
		if i == 0 || c.samples != last {
			_ = b.AddEntry(uint32(i+1), c.samples, 1) // fails only if the first is not chunk 1
			last = c.samples
		}
	}
	return b
}
