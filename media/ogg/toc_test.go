package ogg

import (
	"errors"
	"testing"
)

func TestPacketDuration(t *testing.T) {
	toc := func(config, code byte) byte { return config<<3 | code }
	tests := []struct {
		name string
		data []byte
		want uint32 // 0: an error wrapping ErrInvalidPacket
	}{
		{"SILK NB 10 ms", []byte{toc(0, 0)}, 480},
		{"SILK MB 20 ms", []byte{toc(5, 0)}, 960},
		{"SILK WB 40 ms", []byte{toc(10, 0)}, 1920},
		{"SILK WB 60 ms", []byte{toc(11, 0)}, 2880},
		{"Hybrid SWB 10 ms", []byte{toc(12, 0)}, 480},
		{"Hybrid FB 20 ms", []byte{toc(15, 0)}, 960},
		{"CELT NB 2.5 ms", []byte{toc(16, 0)}, 120},
		{"CELT WB 5 ms", []byte{toc(21, 0)}, 240},
		{"CELT SWB 10 ms", []byte{toc(26, 0)}, 480},
		{"CELT FB 20 ms", []byte{toc(31, 0), 1, 2, 3}, 960},
		{"stereo flag ignored", []byte{toc(31, 0) | 0x04}, 960},
		{"code 1: two equal frames", []byte{toc(31, 1), 1, 2}, 1920},
		{"code 1: odd payload", []byte{toc(31, 1), 1, 2, 3}, 0},
		{"code 1: empty payload (two DTX frames)", []byte{toc(31, 1)}, 1920},
		{"code 2: two frames", []byte{toc(11, 2), 1, 9}, 5760},
		{"code 2: no length byte", []byte{toc(31, 2)}, 0},
		{"code 3: 6 x 20 ms", []byte{toc(31, 3), 6}, 5760},
		{"code 3: 48 x 2.5 ms", []byte{toc(16, 3), 0x80 | 0x40 | 48}, 5760},
		{"code 3: VBR and padding flags ignored", []byte{toc(16, 3), 0xc0 | 3, 0, 0}, 360},
		{"code 3: 3 x 60 ms is over 120 ms", []byte{toc(3, 3), 3}, 0},
		{"code 3: 49 x 2.5 ms", []byte{toc(16, 3), 49}, 0},
		{"code 3: zero frames", []byte{toc(31, 3), 0}, 0},
		{"code 3: no count byte", []byte{toc(31, 3)}, 0},
		{"empty", nil, 0},
	}
	for _, tt := range tests {
		got, err := PacketDuration(tt.data)
		if tt.want == 0 {
			if !errors.Is(err, ErrInvalidPacket) {
				t.Errorf("%s: got %d, %v; want ErrInvalidPacket", tt.name, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: got %d, %v; want %d", tt.name, got, err, tt.want)
		}
	}
}

func TestPacketDurationEveryTOC(t *testing.T) {
	ms := map[uint32]bool{120: true, 240: true, 480: true, 960: true, 1920: true, 2880: true}
	for toc := range 256 {
		d, err := PacketDuration([]byte{byte(toc), 1, 1})
		if toc&3 == 1 { // code 1 with a 2-byte payload is valid
			if err != nil || !ms[d/2] {
				t.Errorf("toc %#x: %d, %v", toc, d, err)
			}
			continue
		}
		if err != nil || d == 0 || d > maxPacketSamples {
			t.Errorf("toc %#x: %d, %v", toc, d, err)
		}
	}
}

// TestCRC checks the Ogg CRC against the catalogued check value of its
// sibling CRC-32/POSIX (cksum: same polynomial, MSB first, init 0), which
// differs only by a final XOR: ^0x765e7680 = 0x89a1897f.
func TestCRC(t *testing.T) {
	if got := crcUpdate(0, []byte("123456789")); got != 0x89a1897f {
		t.Fatalf("crc = %#x, want 0x89a1897f", got)
	}
}
