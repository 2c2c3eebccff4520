package ogg

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// writeAll records packets as a receiver would, with their starts.
func writeAll(t *testing.T, w io.Writer, channels uint8, preSkip uint16, pkts []Packet) {
	t.Helper()
	ow, err := NewWriter(w, channels, preSkip)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range pkts {
		if err := ow.WritePacket(p.Data, p.Start); err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
	}
	if err := ow.Close(); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, name string, channels uint8, preSkip uint16, pkts []Packet) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	var buf bytes.Buffer
	writeAll(t, &buf, channels, preSkip, pkts)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestWriterRoundTrip rewrites every fixture from its packets and starts:
// the packets must come back identical, and ffprobe must accept the file
// with the right channel count and duration.
func TestWriterRoundTrip(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.file, func(t *testing.T) {
			h, pkts := readAll(t, mediatest.ReadTestdata(t, fx.file))
			path := writeFile(t, fx.file, uint8(h.Channels), h.PreSkip, pkts)
			h2, back := readAll(t, mediatest.ReadFile(t, path))
			if h2.Channels != h.Channels || h2.PreSkip != h.PreSkip || h2.InputSampleRate != 48000 {
				t.Errorf("head = %+v", h2)
			}
			if len(back) != len(pkts) {
				t.Fatalf("%d packets, want %d", len(back), len(pkts))
			}
			for i := range pkts {
				// We cannot know about end trimming from RTP, so the
				// copy's last packet lasts its full TOC duration.
				wantDur := pkts[i].Duration
				if i == len(pkts)-1 {
					wantDur, _ = PacketDuration(pkts[i].Data)
				}
				if !bytes.Equal(back[i].Data, pkts[i].Data) || back[i].Start != pkts[i].Start || back[i].Duration != wantDur {
					t.Fatalf("packet %d: start %d dur %d, want %d %d", i, back[i].Start, back[i].Duration, pkts[i].Start, wantDur)
				}
			}

			p := ffprobe(t, path)
			if len(p.Streams) != 1 || p.Streams[0].Channels != int(h.Channels) || p.Streams[0].CodecName != "opus" {
				t.Fatalf("ffprobe streams = %+v", p.Streams)
			}
			if len(p.Packets) != len(pkts) {
				t.Errorf("ffprobe sees %d packets, want %d", len(p.Packets), len(pkts))
			}
			last := back[len(back)-1]
			want := float64(last.Start+uint64(last.Duration)) / 48000
			got := mediatest.Atof(t, p.Format.Duration)
			t.Logf("ffprobe duration %.4f s, start_time %s, packets end at %.4f s", got, p.Streams[0].StartTime, want)
			if math.Abs(got-want) > float64(fx.duration)/48000 {
				t.Errorf("ffprobe duration %.4f s, want %.4f within one packet", got, want)
			}
		})
	}
}

// TestWriterKeepsGaps writes 1 s of packets, 2 s of DTX silence, 1 s more:
// the silence must stay on the timeline for our reader, for ffprobe and for
// ffmpeg's decoder.
func TestWriterKeepsGaps(t *testing.T) {
	_, src := readAll(t, mediatest.ReadTestdata(t, "opus-mono.ogg"))
	var pkts []Packet
	for i := range 100 {
		start := uint64(i) * 960
		if i >= 50 {
			start += 2 * 48000
		}
		pkts = append(pkts, Packet{Data: src[i].Data, Start: start, Duration: 960})
	}
	path := writeFile(t, "gap.ogg", 1, 312, pkts)
	_, back := readAll(t, mediatest.ReadFile(t, path))
	// 2 s of 20 ms frames is 16 fillers of 120 ms and one of 80 ms.
	if len(back) != 100+17 {
		t.Fatalf("%d packets, want 117", len(back))
	}
	fillers := 0
	for i, p := range back {
		if i >= 50 && i < 67 {
			if len(p.Data) != 2 || p.Data[0] != back[49].Data[0]|3 {
				t.Fatalf("packet %d is not a filler: % x", i, p.Data)
			}
			fillers++
			continue
		}
		want := pkts[i-fillers]
		if p.Start != want.Start || !bytes.Equal(p.Data, want.Data) {
			t.Fatalf("packet %d starts at %d, want %d", i, p.Start, want.Start)
		}
	}

	p := ffprobe(t, path)
	if d := mediatest.Atof(t, p.Format.Duration); math.Abs(d-4.0) > 0.02 {
		t.Errorf("ffprobe duration %.4f s, want 4.0 (gap kept)", d)
	}
	if got := p.Packets[67].PTS - p.Packets[0].PTS; got != 50*960+96000 {
		t.Errorf("ffprobe dates the first packet after the gap at %d, want %d", got, 50*960+96000)
	}
	// ffmpeg must decode the fillers into 2 s of audio, not skip them.
	bin := requireTool(t, "ffmpeg")
	out, err := exec.Command(bin, "-v", "error", "-i", path, "-f", "s16le", "-ac", "1", "-ar", "48000", "-").Output()
	if err != nil {
		t.Fatalf("ffmpeg decode: %v", err)
	}
	if samples := len(out) / 2; math.Abs(float64(samples)-4*48000) > 960 {
		t.Errorf("ffmpeg decodes %d samples, want 4 s = 192000", samples)
	}
}

func TestWriterGapFillers(t *testing.T) {
	tests := []struct {
		name    string
		toc     byte
		gap     uint64
		fillers [][]byte
		jump    uint64 // left as a granule jump
	}{
		{"95 ms after CELT FB 20 ms stereo", 31<<3 | 4, 4560, [][]byte{{0xff, 4}, {28<<3 | 4 | 3, 6}}, 0},
		{"300 ms after SILK WB 60 ms", 11 << 3, 14400, [][]byte{{0x5b, 2}, {0x5b, 2}, {0x5b, 1}}, 0},
		{"25 ms after Hybrid SWB 20 ms", 13 << 3, 1200, [][]byte{{13<<3 | 3, 1}, {24<<3 | 3, 2}}, 0},
		{"not a multiple of 2.5 ms", 31 << 3, 1000, [][]byte{{31<<3 | 3, 1}}, 40},
		{"too long to be silence", 31 << 3, maxFill + 960, nil, maxFill + 960},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewWriter(&buf, 2, 0)
			if err != nil {
				t.Fatal(err)
			}
			first := append([]byte{tt.toc}, 1, 2, 3, 4)
			d, _ := PacketDuration(first)
			if err := w.WritePacket(first, 0); err != nil {
				t.Fatal(err)
			}
			if err := w.WritePacket(first, uint64(d)+tt.gap); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			_, pkts := readAll(t, buf.Bytes())
			if len(pkts) != len(tt.fillers)+2 {
				t.Fatalf("%d packets, want %d", len(pkts), len(tt.fillers)+2)
			}
			for i, f := range tt.fillers {
				if !bytes.Equal(pkts[i+1].Data, f) {
					t.Errorf("filler %d = % x, want % x", i, pkts[i+1].Data, f)
				}
			}
			last := pkts[len(pkts)-1]
			if last.Start != uint64(d)+tt.gap {
				t.Errorf("packet after the gap starts at %d, want %d", last.Start, uint64(d)+tt.gap)
			}
			prev := pkts[len(pkts)-2]
			if jump := last.Start - prev.Start - uint64(prev.Duration); jump != tt.jump {
				t.Errorf("granule jump %d, want %d", jump, tt.jump)
			}
		})
	}
}

// pages parses a written stream back into its pages.
func pages(t *testing.T, data []byte) []page {
	t.Helper()
	pr := newPageReader(bytes.NewReader(data))
	var out []page
	for {
		p, err := pr.next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		p.segments = bytes.Clone(p.segments)
		p.body = nil
		out = append(out, p)
	}
}

func TestWriterPaging(t *testing.T) {
	p20 := opus(50, false) // 20 ms
	p60 := append([]byte{3<<3 | 0}, make([]byte, 40)...)
	tests := []struct {
		name     string
		packets  [][]byte
		starts   []uint64
		perPage  []int   // packets per audio page
		granules []int64 // per audio page
	}{
		{"ten 20 ms packets per page", repeat(p20, 25), steps(25, 960), []int{10, 10, 5}, []int64{312 + 9600, 312 + 19200, 312 + 24000}},
		{"200 ms of 60 ms packets", repeat(p60, 9), steps(9, 2880), []int{4, 4, 1}, []int64{312 + 11520, 312 + 23040, 312 + 25920}},
		{"a filled gap stays on the page", repeat(p20, 4), []uint64{0, 960, 6720, 7680}, []int{5}, []int64{312 + 8640}},
		{"an unfillable gap closes the page", repeat(p20, 3), []uint64{0, 960, 2020}, []int{2, 1}, []int64{312 + 1920, 312 + 2980}},
		{"segment table full", repeat(opus(255*60, false), 5), steps(5, 960), []int{4, 1}, []int64{312 + 3840, 312 + 4800}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewWriter(&buf, 2, 312)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range tt.packets {
				if err := w.WritePacket(p, tt.starts[i]); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			ps := pages(t, buf.Bytes())
			if ps[0].flags != flagBOS || ps[1].flags != 0 || ps[0].granule != 0 || ps[1].granule != 0 {
				t.Errorf("header pages: flags %d %d granules %d %d", ps[0].flags, ps[1].flags, ps[0].granule, ps[1].granule)
			}
			audio := ps[2:]
			var per []int
			var gr []int64
			for i, p := range audio {
				n := 0
				for _, l := range p.segments {
					if l < 255 {
						n++
					}
				}
				per, gr = append(per, n), append(gr, p.granule)
				wantFlags := byte(0)
				if i == len(audio)-1 {
					wantFlags = flagEOS
				}
				if p.flags != wantFlags || p.serial != ps[0].serial || p.seq != uint32(i+2) {
					t.Errorf("page %d: flags %d serial %d seq %d", i, p.flags, p.serial, p.seq)
				}
			}
			if !slices.Equal(per, tt.perPage) || !slices.Equal(gr, tt.granules) {
				t.Errorf("packets per page %v granules %v, want %v %v", per, gr, tt.perPage, tt.granules)
			}
		})
	}
}

func repeat(p []byte, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = p
	}
	return out
}

func steps(n int, step uint64) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(i) * step
	}
	return out
}

// TestWriterEmpty closes a writer that never got a packet: ffmpeg cannot
// open an Ogg Opus stream without audio, so the file gets one silent packet.
func TestWriterEmpty(t *testing.T) {
	path := writeFile(t, "empty.ogg", 2, 312, nil)
	data := mediatest.ReadFile(t, path)
	ps := pages(t, data)
	if len(ps) != 3 || ps[2].flags != flagEOS || ps[2].granule != 312+960 {
		t.Fatalf("pages = %+v", ps)
	}
	if _, pkts := readAll(t, data); len(pkts) != 1 || len(pkts[0].Data) != 1 {
		t.Fatalf("packets = %v", pkts)
	}
	p := ffprobe(t, path)
	if len(p.Streams) != 1 || p.Streams[0].Channels != 2 || len(p.Packets) != 1 {
		t.Fatalf("ffprobe: %+v", p)
	}
}

func TestWriterRules(t *testing.T) {
	if _, err := NewWriter(io.Discard, 0, 0); !errors.Is(err, ErrBadArgument) {
		t.Errorf("0 channels: %v", err)
	}
	if _, err := NewWriter(io.Discard, 3, 0); !errors.Is(err, ErrBadArgument) {
		t.Errorf("3 channels: %v", err)
	}
	w, err := NewWriter(io.Discard, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := opus(20, false)
	if err := w.WritePacket(p, 960); err != nil {
		t.Fatal(err)
	}
	if err := w.WritePacket(p, 1000); !errors.Is(err, ErrNonMonotonic) {
		t.Errorf("overlap: %v", err)
	}
	if err := w.WritePacket(nil, 5000); !errors.Is(err, ErrInvalidPacket) {
		t.Errorf("empty packet: %v", err)
	}
	if err := w.WritePacket(append([]byte{0xf8}, make([]byte, maxWritePacket)...), 5000); !errors.Is(err, ErrPacketTooLarge) {
		t.Errorf("huge packet: %v", err)
	}
	if err := w.WritePacket(p, math.MaxUint64-100); !errors.Is(err, ErrBadArgument) {
		t.Errorf("start beyond the granule range: %v", err)
	}
	if err := w.WritePacket(p, 1920); err != nil {
		t.Errorf("rejected packets broke the writer: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := w.WritePacket(p, 5000); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

func TestWriterWriteError(t *testing.T) {
	_, pkts := readAll(t, mediatest.ReadTestdata(t, "opus-stereo.ogg"))
	for _, limit := range []int{0, 30, 47, 100, 500, 5000} {
		fw := &mediatest.FailAfter{N: limit}
		w, err := NewWriter(fw, 2, 312)
		if err == nil {
			for _, p := range pkts {
				if err = w.WritePacket(p.Data, p.Start); err != nil {
					break
				}
			}
			if err == nil {
				err = w.Close()
			} else if err2 := w.Close(); !errors.Is(err2, syscall.ENOSPC) {
				t.Errorf("limit %d: Close after failure = %v", limit, err2)
			}
		}
		if !errors.Is(err, ErrWrite) || !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("limit %d: err = %v, want ErrWrite wrapping ENOSPC", limit, err)
		}
	}
}
