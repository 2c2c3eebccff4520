package ogg

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// fixture describes a file from testdata/gen.sh; the values were read once
// with ffprobe -show_packets and are rechecked against ffprobe when it is
// installed. libopus writes a pre-skip of 312 and every packet of a file
// has the same duration.
type fixture struct {
	file     string
	channels uint16
	packets  int
	duration uint32 // per packet, 48 kHz samples
}

var fixtures = []fixture{
	{"opus-mono.ogg", 1, 151, 960},   // one packet per page
	{"opus-stereo.ogg", 2, 151, 960}, // 50 packets per page
	{"opus-multi.ogg", 2, 301, 480},  // 10 ms packets, 10 per page
	{"opus-60ms.ogg", 1, 51, 2880},   // 17 per page, end-trimmed last page
	{"opus-span.ogg", 2, 151, 960},   // packets continued across pages
}

func readAll(t testing.TB, data []byte) (Head, []Packet) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var pkts []Packet
	for {
		p, err := r.Next()
		if err == io.EOF {
			return r.Head(), pkts
		}
		if err != nil {
			t.Fatalf("packet %d: %v", len(pkts), err)
		}
		pkts = append(pkts, p)
	}
}

func TestReaderFixtures(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.file, func(t *testing.T) {
			h, pkts := readAll(t, mediatest.ReadTestdata(t, fx.file))
			want := Head{Version: 1, Channels: fx.channels, PreSkip: 312, InputSampleRate: 48000}
			if h.Version != want.Version || h.Channels != want.Channels || h.PreSkip != want.PreSkip ||
				h.InputSampleRate != want.InputSampleRate || h.OutputGain != 0 || h.MappingFamily != 0 {
				t.Errorf("head = %+v, want %+v", h, want)
			}
			if len(pkts) != fx.packets {
				t.Fatalf("%d packets, want %d", len(pkts), fx.packets)
			}
			for i, p := range pkts {
				wantDur := fx.duration
				if i == len(pkts)-1 {
					// 3 s of input plus the pre-skip end at 144312.
					wantDur = 144312 - uint32(i)*fx.duration
				}
				if p.Start != uint64(i)*uint64(fx.duration) || p.Duration != wantDur {
					t.Fatalf("packet %d: start %d duration %d, want %d, %d", i, p.Start, p.Duration, i*int(fx.duration), wantDur)
				}
			}
		})
	}
}

// TestReaderMatchesFFprobe checks every packet against ffprobe, whose pts
// is granule minus pre-skip (so -312 for the first packet of these files).
func TestReaderMatchesFFprobe(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.file, func(t *testing.T) {
			p := ffprobe(t, mediatest.Testdata(fx.file))
			h, pkts := readAll(t, mediatest.ReadTestdata(t, fx.file))
			if len(pkts) != len(p.Packets) {
				t.Fatalf("%d packets, ffprobe %d", len(pkts), len(p.Packets))
			}
			origin := p.Packets[0].PTS
			for i, pkt := range pkts {
				pp := p.Packets[i]
				if int64(pkt.Start) != pp.PTS-origin || int64(pkt.Duration) != pp.Duration || pp.Size != itoa(len(pkt.Data)) {
					t.Errorf("packet %d: start %d dur %d size %d; ffprobe pts %d dur %d size %s",
						i, pkt.Start, pkt.Duration, len(pkt.Data), pp.PTS-origin, pp.Duration, pp.Size)
				}
			}
			if origin != -int64(h.PreSkip) {
				t.Errorf("ffprobe's first pts %d, want -%d", origin, h.PreSkip)
			}
		})
	}
}

func itoa(n int) string { return string(appendInt(nil, n)) }

func appendInt(b []byte, n int) []byte {
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}

func TestReaderCorruptFixture(t *testing.T) {
	r, err := NewReader(bytes.NewReader(mediatest.ReadTestdata(t, "corrupt.ogg")))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for ; ; n++ {
		if _, err = r.Next(); err != nil {
			break
		}
	}
	// gen.sh damages the 6th page: pages 3 to 5 hold packets 0 to 2.
	if !errors.Is(err, ErrCRC) || n != 3 {
		t.Fatalf("after %d packets: err = %v, want ErrCRC after 3", n, err)
	}
	t.Log(err)
	if _, err2 := r.Next(); !errors.Is(err2, ErrCRC) {
		t.Errorf("error not sticky: %v", err2)
	}
}
