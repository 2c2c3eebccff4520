package mp4

// copyBuf is the most of the recording held in memory while moving it.
const copyBuf = 1 << 20

// shift moves every fragment delta bytes towards the end of the file, the
// last first, so that the moov fits in front of them.
//
// Before a fragment moves, a free box of delta bytes follows it (at
// first, at the end of the file). delta is larger than any fragment plus
// a free header, so the copy lands inside that free box's payload, behind
// its header, where no reader looks; then one 8-byte write of a free
// header where the fragment began makes the copy the fragment a reader
// reaches, and the old bytes the payload of a new free box in front of
// it. So at every moment the file reads as it did, free boxes between
// fragments aside, and a crash in the middle leaves a playable fragmented
// file. A moof and its mdat move together: the moof finds its samples at
// an offset from itself.
func (w *Writer) shift(delta int64) error {
	end := w.written
	if err := w.writeAt(freeHeader(delta), end); err != nil {
		return err
	}
	if err := w.writeAt([]byte{0}, end+delta-1); err != nil { // the free box is whole
		return err
	}
	buf := make([]byte, min(copyBuf, w.lay.maxFrag))
	for i := len(w.frags) - 1; i >= 0; i-- {
		if err := w.move(w.frags[i], end, delta, buf); err != nil {
			return err
		}
		end = w.frags[i]
	}
	return nil
}

// move copies the fragment at [from, to) delta bytes further and puts a
// free header where it began.
func (w *Writer) move(from, to, delta int64, buf []byte) error {
	for end := to; end > from; {
		n := min(int64(len(buf)), end-from)
		b := buf[:n]
		if err := w.readAt(b, end-n); err != nil {
			return err
		}
		if err := w.writeAt(b, end-n+delta); err != nil {
			return err
		}
		end -= n
	}
	return w.writeAt(freeHeader(delta), from)
}
