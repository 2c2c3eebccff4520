package mp4

import (
	"math"

	"github.com/Eyevinn/mp4ff/mp4"

	"github.com/webrtc-cli/webrtc-cli/media/internal/muldiv"
)

// trak builds the track's box, for the fragmented header (fin nil) or
// the finished file, and returns its duration in the movie timescale.
func (t *track) trak(fin *final) (*mp4.TrakBox, uint64) {
	var stbl *mp4.StblBox
	var edts *mp4.EdtsBox
	var mediaDur, dur uint64
	if fin == nil {
		stbl = (&table{}).stbl(t.entry, 0, false, false)
		edts = t.liveEdit()
	} else {
		stbl = t.tab.stbl(t.entry, fin.shift, fin.co64, t.video)
		edts, dur = t.edits()
		mediaDur = t.tab.duration
	}
	trak := &mp4.TrakBox{}
	trak.AddChild(t.tkhd(dur))
	if edts != nil {
		trak.AddChild(edts)
	}
	mdia := &mp4.MdiaBox{}
	trak.AddChild(mdia)
	mdhd := &mp4.MdhdBox{Timescale: t.timescale, Duration: mediaDur}
	if mediaDur > math.MaxUint32 {
		mdhd.Version = 1
	}
	mdhd.SetLanguage("und")
	mdia.AddChild(mdhd)
	mdia.AddChild(t.hdlr())
	mdia.AddChild(t.minf(stbl))
	return trak, dur
}

func (t *track) tkhd(dur uint64) *mp4.TkhdBox {
	tkhd := mp4.CreateTkhd()
	tkhd.TrackID = t.id
	tkhd.Duration = dur
	if dur > math.MaxUint32 {
		tkhd.Version = 1
	}
	if t.video {
		tkhd.Width, tkhd.Height = mp4.Fixed32(t.width<<16), mp4.Fixed32(t.height<<16)
	} else {
		tkhd.Volume = 0x0100
	}
	return tkhd
}

// hdlr says what kind of track it is.
func (t *track) hdlr() *mp4.HdlrBox {
	if t.video {
		return &mp4.HdlrBox{HandlerType: "vide", Name: "VideoHandler"}
	}
	return &mp4.HdlrBox{HandlerType: "soun", Name: "SoundHandler"}
}

// minf is the media information: the media header, and the samples.
func (t *track) minf(stbl *mp4.StblBox) *mp4.MinfBox {
	minf := mp4.NewMinfBox()
	if t.video {
		minf.AddChild(mp4.CreateVmhd())
	} else {
		minf.AddChild(mp4.CreateSmhd())
	}
	dinf := &mp4.DinfBox{}
	dinf.AddChild(mp4.CreateDref())
	minf.AddChild(dinf)
	minf.AddChild(stbl)
	return minf
}

// edits places the track on the movie's timeline: an empty edit as long
// as the time before its first sample, then its media, from the end of
// the Opus pre-skip.
func (t *track) edits() (*mp4.EdtsBox, uint64) {
	var skip uint64
	if !t.video {
		skip = preSkip
	}
	if t.tab.duration <= skip {
		return nil, 0 // nothing to play
	}
	empty := muldiv.Round(t.tab.first, movieTimescale, uint64(t.timescale))
	media := muldiv.Round(t.tab.duration-skip, movieTimescale, uint64(t.timescale))
	elst := &mp4.ElstBox{}
	if empty > 0 {
		elst.Entries = append(elst.Entries, mp4.ElstEntry{SegmentDuration: empty, MediaTime: -1, MediaRateInteger: 1})
	}
	elst.Entries = append(elst.Entries, mp4.ElstEntry{SegmentDuration: media, MediaTime: int64(skip), MediaRateInteger: 1})
	if empty+media > math.MaxUint32 {
		elst.Version = 1
	}
	edts := &mp4.EdtsBox{}
	edts.AddChild(elst)
	return edts, empty + media
}

// liveEdit is the fragmented header's edit list: Opus skips its pre-skip
// (a duration of 0 is the whole track, as the length is unknown); video
// needs none, as each fragment's decode time puts it in place.
func (t *track) liveEdit() *mp4.EdtsBox {
	if t.video {
		return nil
	}
	edts := &mp4.EdtsBox{}
	edts.AddChild(&mp4.ElstBox{Entries: []mp4.ElstEntry{{MediaTime: preSkip, MediaRateInteger: 1}}})
	return edts
}
