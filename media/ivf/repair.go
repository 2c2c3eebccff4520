package ivf

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/webrtc-cli/webrtc-cli/media/internal/muldiv"
)

// RepairResult is what Repair found and did.
type RepairResult struct {
	Frames    int
	Truncated int64 // bytes of a frame cut off at the end, removed
	Length    uint32
	Changed   bool // the file was written to
}

// Repair finishes an IVF file whose writer died: it cuts off a frame the
// crash left incomplete and writes the header's Length (the duration
// ffmpeg reads) from the frames there are. A complete file is left as it
// is. The frames themselves are never touched.
func Repair(f *os.File) (RepairResult, error) {
	var res RepairResult
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return res, err
	}
	var hb [fileHeaderSize]byte
	if _, err := io.ReadFull(f, hb[:]); err != nil {
		return res, fmt.Errorf("%w: no IVF header: %v", ErrBadHeader, err)
	}
	h, size, err := parseHeader(hb[:])
	if err != nil {
		return res, err
	}
	end, first, last, frames, err := scanFrames(f, int64(size))
	if err != nil {
		return res, err
	}
	st, err := f.Stat()
	if err != nil {
		return res, err
	}
	res.Frames, res.Truncated = frames, st.Size()-end
	if frames >= 2 {
		res.Length = uint32(min(muldiv.Round(uint64(frames), last-first, uint64(frames-1)), math.MaxUint32))
	}
	if res.Truncated == 0 && res.Length == h.Length {
		return res, nil
	}
	res.Changed = true
	if res.Truncated > 0 {
		if err := f.Truncate(end); err != nil {
			return res, err
		}
	}
	h.Length = res.Length
	h.marshal(hb[:])
	_, err = f.WriteAt(hb[:], 0)
	return res, err
}

// scanFrames walks the frame headers from off and returns where the last
// complete frame ends, the first and last PTS and the frame count.
func scanFrames(f *os.File, off int64) (end int64, first, last uint64, frames int, err error) {
	var fh [frameHeaderSize]byte
	end = off
	for {
		if _, err := f.ReadAt(fh[:], end); err != nil {
			if errors.Is(err, io.EOF) {
				return end, first, last, frames, nil
			}
			return end, first, last, frames, err
		}
		n := int64(uint32(fh[0]) | uint32(fh[1])<<8 | uint32(fh[2])<<16 | uint32(fh[3])<<24)
		pts := uint64(fh[4]) | uint64(fh[5])<<8 | uint64(fh[6])<<16 | uint64(fh[7])<<24 |
			uint64(fh[8])<<32 | uint64(fh[9])<<40 | uint64(fh[10])<<48 | uint64(fh[11])<<56
		st, err := f.Stat()
		if err != nil {
			return end, first, last, frames, err
		}
		if n > MaxFrameSize || end+frameHeaderSize+n > st.Size() {
			return end, first, last, frames, nil // cut off by the crash
		}
		if frames == 0 {
			first = pts
		}
		last, frames, end = pts, frames+1, end+frameHeaderSize+n
	}
}
