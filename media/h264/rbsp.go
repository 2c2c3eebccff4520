package h264

// unescape appends the RBSP of NAL unit payload p (the bytes after the NAL
// header) to dst, dropping each emulation prevention byte (00 00 03 ->
// 00 00), and stops once dst holds limit bytes (limit < 0: no limit).
// Parsers read the RBSP with a bitstream.Reader.
func unescape(dst, p []byte, limit int) []byte {
	zeros := 0
	for _, c := range p {
		if limit >= 0 && len(dst) >= limit {
			break
		}
		if zeros >= 2 && c == 3 {
			zeros = 0
			continue
		}
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
		dst = append(dst, c)
	}
	return dst
}
