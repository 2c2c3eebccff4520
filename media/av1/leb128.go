package av1

// ReadLEB128 decodes AV1's little-endian base-128 size (spec 4.10.5): at
// most 8 bytes, a value below 2^32. n is the bytes read, 0 if the encoding
// is invalid.
func ReadLEB128(b []byte) (v uint64, n int) {
	for i := 0; i < 8 && i < len(b); i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			if v > 1<<32-1 {
				return 0, 0
			}
			return v, i + 1
		}
	}
	return 0, 0
}

// AppendLEB128 appends v in the shortest encoding, as libaom writes sizes.
func AppendLEB128(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}
