package ivf

// vp9Info is what we need from a VP9 uncompressed header.
type vp9Info struct {
	key           bool
	width, height int
}

const vp9SyncCode = 0x498342

// parseVP9 reads the uncompressed header (VP9 spec 6.2) of frame, or of the
// first frame if frame is a superframe. ok is false for data that is not a
// VP9 frame at all.
func parseVP9(frame []byte) (vp9Info, bool) {
	b := bitReader{data: vp9FirstFrame(frame)}
	if b.bits(2) != 2 { // frame_marker
		return vp9Info{}, false
	}
	low := b.bit()
	profile := b.bit()<<1 | low
	if profile == 3 {
		b.bit() // reserved_zero
	}
	if b.bit() == 1 { // show_existing_frame: a repeat, no new picture
		b.bits(3)
		return vp9Info{}, !b.short
	}
	frameType := b.bit()
	b.bits(2) // show_frame, error_resilient_mode
	if frameType != 0 {
		return vp9Info{}, !b.short
	}
	if b.bits(24) != vp9SyncCode {
		return vp9Info{}, false
	}
	// color_config
	if profile >= 2 {
		b.bit() // ten_or_twelve_bit
	}
	const csRGB = 7
	if b.bits(3) != csRGB {
		b.bit() // color_range
		if profile == 1 || profile == 3 {
			b.bits(3) // subsampling_x, subsampling_y, reserved_zero
		}
	} else if profile == 1 || profile == 3 {
		b.bit() // reserved_zero
	}
	w := int(b.bits(16)) + 1
	h := int(b.bits(16)) + 1
	if b.short {
		return vp9Info{}, false
	}
	return vp9Info{key: true, width: w, height: h}, true
}

// vp9FirstFrame returns the first frame of a superframe (VP9 spec Annex B),
// or frame itself if it has no valid superframe index.
func vp9FirstFrame(frame []byte) []byte {
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
