package av1

// StripTemporalDelimiters returns the temporal unit without its temporal
// delimiter OBUs, as both Matroska's and ISOBMFF's AV1 mappings store it
// (the block or sample boundary is the delimiter), and the first sequence
// header OBU, if any. The usual unit, one delimiter in front, costs no
// copy. ok is false if the OBU framing is broken.
func StripTemporalDelimiters(tu []byte) (stripped []byte, seq OBU, hasSeq, ok bool) {
	var obus []OBU
	for rest := tu; len(rest) > 0; {
		var o OBU
		if o, rest, ok = NextOBU(rest); !ok {
			return nil, OBU{}, false, false
		}
		obus = append(obus, o)
	}
	tds := 0
	for _, o := range obus {
		switch o.Type {
		case OBUTemporalDelimiter:
			tds++
		case OBUSequenceHeader:
			if !hasSeq {
				seq, hasSeq = o, true
			}
		}
	}
	switch {
	case tds == 0:
		return tu, seq, hasSeq, true
	case tds == 1 && obus[0].Type == OBUTemporalDelimiter:
		return tu[len(obus[0].Raw):], seq, hasSeq, true
	}
	for _, o := range obus {
		if o.Type != OBUTemporalDelimiter {
			stripped = append(stripped, o.Raw...)
		}
	}
	return stripped, seq, hasSeq, true
}
