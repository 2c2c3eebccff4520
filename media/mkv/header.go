package mkv

import (
	"bytes"
	"encoding/binary"

	"github.com/at-wat/ebml-go"
	"github.com/at-wat/ebml-go/webm"
)

const (
	// timecodeScale makes block timestamps milliseconds, WebM's
	// recommendation; int16 block offsets then reach 32 s.
	timecodeScale = 1_000_000 // ns
	muxingApp     = "webrtc-cli (ebml-go)"
	// idSize is the length of the Segment and Cluster element IDs, after
	// which comes the 8-byte size field Close fills in.
	idSize = 4
	// sizeLen is the length of the size fields written as "unknown".
	sizeLen = 8
)

type seekEntry struct {
	SeekID       []byte `ebml:"SeekID"`
	SeekPosition uint64 `ebml:"SeekPosition,size=8"` // fixed, so the layout never shifts
}

// The SeekHead points at Info and Tracks and ends in a Void that Close
// overwrites with a Seek for the Cues; Info ends in a Void that Close
// overwrites with the Duration. Until then the file is a valid live
// recording: one without an index or a duration.
type seekHead struct {
	Seek []seekEntry `ebml:"Seek"`
	Void []byte      `ebml:"Void"`
}

type info struct {
	TimecodeScale uint64 `ebml:"TimecodeScale"`
	MuxingApp     string `ebml:"MuxingApp"`
	WritingApp    string `ebml:"WritingApp"`
	Void          []byte `ebml:"Void"`
}

// layout records where the header put what Close must fill in, as offsets
// from the start of the file.
type layout struct {
	segmentData int64 // first byte inside the Segment; Seek positions count from here
	cuesSeek    int64 // the Void to become the Cues' Seek entry
	duration    int64 // the Void to become the Duration element
}

// Sizes of the reserved Voids: a Seek entry with a 4-byte ID and an 8-byte
// position, and a Duration element holding a float64.
var (
	cuesSeekLen = len(marshal(&struct {
		Seek seekEntry `ebml:"Seek"`
	}{seekEntry{SeekID: ebml.ElementCues.Bytes()}}))
	durationLen = len(marshal(&struct {
		Duration float64 `ebml:"Duration"`
	}{1}))
)

// header encodes everything up to the first Cluster.
func header(isWebM bool, tracks []*track) ([]byte, layout) {
	docType := "matroska"
	if isWebM {
		docType = "webm"
	}
	var b bytes.Buffer
	b.Write(marshal(&struct {
		EBML webm.EBMLHeader `ebml:"EBML"`
	}{webm.EBMLHeader{
		EBMLVersion: 1, EBMLReadVersion: 1, EBMLMaxIDLength: 4, EBMLMaxSizeLength: 8,
		DocType: docType, DocTypeVersion: 4, DocTypeReadVersion: 2,
	}}))
	b.Write(marshal(&struct {
		Segment struct{} `ebml:"Segment,size=unknown"`
	}{}))
	var l layout
	l.segmentData = int64(b.Len())

	inf := marshal(&struct {
		Info info `ebml:"Info"`
	}{info{TimecodeScale: timecodeScale, MuxingApp: muxingApp, WritingApp: muxingApp, Void: voidData(durationLen)}})
	var entries []webm.TrackEntry
	for _, t := range tracks {
		entries = append(entries, t.entry)
	}
	trk := marshal(&struct {
		Tracks webm.Tracks `ebml:"Tracks"`
	}{webm.Tracks{TrackEntry: entries}})

	sh := seekHead{
		Seek: []seekEntry{{SeekID: ebml.ElementInfo.Bytes()}, {SeekID: ebml.ElementTracks.Bytes()}},
		Void: voidData(cuesSeekLen),
	}
	wrap := &struct {
		SeekHead *seekHead `ebml:"SeekHead"`
	}{&sh}
	shLen := int64(len(marshal(wrap))) // positions have a fixed size
	sh.Seek[0].SeekPosition = uint64(shLen)
	sh.Seek[1].SeekPosition = uint64(shLen) + uint64(len(inf))
	b.Write(marshal(wrap))
	l.cuesSeek = l.segmentData + shLen - int64(cuesSeekLen)
	b.Write(inf)
	l.duration = l.segmentData + shLen + int64(len(inf)) - int64(durationLen)
	b.Write(trk)
	return b.Bytes(), l
}

// voidData is the content of a Void element whose whole encoding is n
// bytes (1 ID byte, 1 size byte: n is below 128).
func voidData(n int) []byte { return make([]byte, n-2) }

// sizeField encodes v as the 8-byte EBML size that replaces an unknown
// size in place. ebml-go writes sizes only as part of whole elements.
func sizeField(v uint64) []byte {
	b := binary.BigEndian.AppendUint64(nil, v)
	b[0] = 0x01 // length marker of an 8-byte VINT; v < 2^56
	return b
}

// marshal encodes v, a pointer to a struct of ebml-tagged fields. It can
// only fail on a type the package itself got wrong, so it panics then.
func marshal(v any) []byte {
	var b bytes.Buffer
	if err := ebml.Marshal(v, &b); err != nil {
		panic("mkv: marshal: " + err.Error())
	}
	return b.Bytes()
}
