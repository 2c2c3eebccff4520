package rtpio

import (
	"encoding/binary"
	"os"
	"testing"
)

// readIVF is a minimal IVF reader for the test data: 32-byte file header,
// then a 12-byte header (size, 64-bit pts) before each frame.
func readIVF(t testing.TB, path string) (fourcc string, frames [][]byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 32 || string(data[:4]) != "DKIF" {
		t.Fatalf("%s: not an IVF file", path)
	}
	fourcc = string(data[8:12])
	off := int(binary.LittleEndian.Uint16(data[6:8]))
	for off+12 <= len(data) {
		size := int(binary.LittleEndian.Uint32(data[off:]))
		off += 12
		if off+size > len(data) {
			t.Fatalf("%s: truncated frame at %d", path, off)
		}
		frames = append(frames, data[off:off+size])
		off += size
	}

	return fourcc, frames
}
