package ogg

// crcTable is for Ogg's CRC-32 (RFC 3533 6): polynomial 0x04c11db7 fed
// MSB first, initial value 0, no final XOR. This is not hash/crc32's IEEE
// CRC, which uses the same polynomial bit-reversed.
var crcTable = func() (t [256]uint32) {
	for i := range t {
		r := uint32(i) << 24
		for range 8 {
			if r&0x80000000 != 0 {
				r = r<<1 ^ 0x04c11db7
			} else {
				r <<= 1
			}
		}
		t[i] = r
	}
	return t
}()

func crcUpdate(crc uint32, b []byte) uint32 {
	for _, x := range b {
		crc = crc<<8 ^ crcTable[byte(crc>>24)^x]
	}
	return crc
}
