package ogg

// fillGap adds packets of zero-length frames from w.end up to start, as
// RFC 7845 4.1 describes: the frame size, bandwidth and channel flag of the
// last packet, up to 120 ms per packet, then 2.5 ms CELT frames for what
// is left. Decoders run packet loss concealment for these frames, which
// after DTX yields comfort noise or silence.
func (w *Writer) fillGap(start uint64) error {
	config, stereo := w.lastTOC>>3, w.lastTOC&0x04
	for _, cfg := range []byte{config, celtShortest(config)} {
		fs := uint64(frameSamples[cfg])
		for gap := start - w.end; gap >= fs; gap = start - w.end {
			frames := min(gap/fs, maxPacketSamples/fs)
			filler := []byte{cfg<<3 | stereo | 3, byte(frames)} // code 3, CBR, no padding
			if err := w.add(filler, w.end, uint32(frames*fs)); err != nil {
				return err
			}
		}
	}
	return nil
}

// celtShortest returns the 2.5 ms CELT config closest in bandwidth to
// config (CELT has no mediumband; wideband is the nearest).
func celtShortest(config byte) byte {
	switch {
	case config < 4: // SILK NB
		return 16
	case config < 12: // SILK MB, WB
		return 20
	case config < 14: // Hybrid SWB
		return 24
	case config < 16: // Hybrid FB
		return 28
	}
	return config &^ 3
}
