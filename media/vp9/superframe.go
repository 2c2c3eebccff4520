package vp9

// firstFrame returns the first frame of a superframe (VP9 spec Annex B),
// frame itself if it has no valid superframe index, or nil if the index
// is damaged. A superframe's first frame is what a decoder starts with.
func firstFrame(frame []byte) []byte {
	if len(frame) == 0 {
		return frame
	}
	marker := frame[len(frame)-1]
	if marker&0xe0 != 0xc0 {
		return frame
	}
	frames := int(marker&7) + 1
	mag := int(marker>>3&3) + 1
	indexSize := 2 + mag*frames
	if len(frame) < indexSize || frame[len(frame)-indexSize] != marker {
		return frame
	}
	size := 0
	for i := range mag {
		size |= int(frame[len(frame)-indexSize+1+i]) << (8 * i)
	}
	if size == 0 || size > len(frame)-indexSize {
		return nil
	}
	return frame[:size]
}
