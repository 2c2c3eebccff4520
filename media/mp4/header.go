package mp4

import (
	"math"

	"github.com/Eyevinn/mp4ff/mp4"
)

// defaultReserve is the free space left after the fragmented moov, so
// that Close can put the final moov there without moving the recording:
// enough for about a minute of 30 fps video and 20 ms Opus when frame
// times are irregular, several minutes when they are regular.
const defaultReserve = 64 << 10

// layout is where the header's boxes are, as offsets from the Writer's
// base, and what Close needs to know about the boxes after them.
type layout struct {
	reserve int   // size of the free box after the moov; 0 for none
	moov    int64 // offset of the moov
	moovEnd int64 // its end: the reserve's offset
	data    int64 // end of the header: the first fragment's offset
	maxFrag int64 // size of the largest fragment, moof and mdat
	// maxStco is the largest chunk offset stco holds (tests lower it to
	// make co64 happen without writing 4 GB).
	maxStco int64
}

// final is how Close lays out the regular file: every chunk moves by
// shift bytes, and chunk offsets are 64-bit if co64.
type final struct {
	shift int64
	co64  bool
}

// header returns the bytes of ftyp, the fragmented moov and the reserve,
// and notes where they are.
func (w *Writer) header() ([]byte, error) {
	w.out.Reset()
	if err := w.ftyp().Encode(&w.out); err != nil {
		return nil, w.encodeErr(err)
	}
	w.lay.moov = int64(w.out.Len())
	if err := w.moov(nil).Encode(&w.out); err != nil {
		return nil, w.encodeErr(err)
	}
	w.lay.moovEnd = int64(w.out.Len())
	if w.lay.reserve >= 8 {
		if err := mp4.NewFreeBox(make([]byte, w.lay.reserve-8)).Encode(&w.out); err != nil {
			return nil, w.encodeErr(err)
		}
	}
	w.lay.data = int64(w.out.Len())
	return w.out.Bytes(), nil
}

// ftyp names the brands of the finished file: ISO base media, and the
// video codec's brand where it has one (AV1-ISOBMFF asks for av01).
func (w *Writer) ftyp() *mp4.FtypBox {
	brands := []string{"isom", "iso2"}
	if w.video != nil {
		switch w.video.codec {
		case CodecH264:
			brands = append(brands, "avc1")
		case CodecAV1:
			brands = append(brands, "av01")
		}
	}
	return mp4.NewFtyp("isom", 0x200, append(brands, "mp41"))
}

// moov builds the moov: for the fragmented header (fin nil) with empty
// sample tables and an mvex, for the finished file with every track's
// sample table and edit list.
func (w *Writer) moov(fin *final) *mp4.MoovBox {
	moov := mp4.NewMoovBox()
	mvhd := mp4.CreateMvhd()
	mvhd.Timescale = movieTimescale
	mvhd.NextTrackID = uint32(len(w.tracks) + 1)
	moov.AddChild(mvhd)
	for _, t := range w.tracks {
		trak, dur := t.trak(fin)
		mvhd.Duration = max(mvhd.Duration, dur)
		moov.AddChild(trak)
	}
	if mvhd.Duration > math.MaxUint32 {
		mvhd.Version = 1
	}
	if fin == nil {
		mvex := mp4.NewMvexBox()
		for _, t := range w.tracks {
			mvex.AddChild(mp4.CreateTrex(t.id))
		}
		moov.AddChild(mvex)
	}
	return moov
}
