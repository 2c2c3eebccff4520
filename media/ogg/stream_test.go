package ogg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"slices"
	"testing"
)

// builder writes synthetic Ogg streams page by page.
type builder struct {
	serial uint32
	seq    uint32
	buf    []byte
}

// page writes one page holding whole packets.
func (b *builder) page(flags byte, granule int64, packets ...[]byte) *builder {
	var lacing, body []byte
	for _, p := range packets {
		lacing = appendLacing(lacing, len(p))
		body = append(body, p...)
	}
	return b.raw(flags, granule, lacing, body)
}

func (b *builder) raw(flags byte, granule int64, lacing, body []byte) *builder {
	b.buf = appendPage(b.buf, flags, granule, b.serial, b.seq, lacing, body)
	b.seq++
	return b
}

// opusHeaders starts a stream with OpusHead (2 channels, pre-skip 312) and
// OpusTags pages.
func opusHeaders() *builder {
	b := &builder{serial: 0x1234}
	b.page(flagBOS, 0, marshalHead(2, 312))
	return b.page(0, 0, marshalTags())
}

// opus returns a CELT fullband packet of n bytes: 20 ms, or 10 ms if short.
func opus(n int, short bool) []byte {
	p := bytes.Repeat([]byte{0xa5}, n)
	p[0] = 31 << 3
	if short {
		p[0] = 30 << 3
	}
	return p
}

func starts(t *testing.T, data []byte) ([]uint64, []uint32, []Packet) {
	t.Helper()
	_, pkts := readAll(t, data)
	var s []uint64
	var d []uint32
	for _, p := range pkts {
		s = append(s, p.Start)
		d = append(d, p.Duration)
	}
	return s, d, pkts
}

func TestReaderTimeline(t *testing.T) {
	tests := []struct {
		name   string
		stream []byte
		starts []uint64
		durs   []uint32
	}{
		{"contiguous pages",
			opusHeaders().page(0, 1920, opus(10, false), opus(10, false)).
				page(flagEOS, 3840, opus(10, false), opus(10, false)).buf,
			[]uint64{0, 960, 1920, 2880}, []uint32{960, 960, 960, 960}},
		{"DTX gap between pages keeps its length",
			opusHeaders().page(0, 1920, opus(10, false), opus(10, false)).
				page(0, 1920+48000+960, opus(10, false)).buf,
			[]uint64{0, 960, 49920}, []uint32{960, 960, 960}},
		{"stream starting late starts at 0",
			opusHeaders().page(0, 1_000_000, opus(10, false), opus(10, true)).
				page(0, 1_000_480, opus(10, true)).buf,
			[]uint64{0, 960, 1440}, []uint32{960, 480, 480}},
		{"end trimming on the last page",
			opusHeaders().page(0, 1920, opus(10, false), opus(10, false)).
				page(flagEOS, 1920+960+100, opus(10, false), opus(10, false)).buf,
			[]uint64{0, 960, 1920, 2880}, []uint32{960, 960, 960, 100}},
		{"overlap on a middle page is placed forwards, untrimmed",
			opusHeaders().page(0, 1920, opus(10, false), opus(10, false)).
				page(0, 2000, opus(10, false)).page(0, 3840, opus(10, false)).buf,
			[]uint64{0, 960, 1920, 2880}, []uint32{960, 960, 960, 960}},
		{"granule -1 with a packet ending (invalid) is placed forwards",
			opusHeaders().page(0, 960, opus(10, false)).page(0, -1, opus(10, false)).buf,
			[]uint64{0, 960}, []uint32{960, 960}},
		{"a single EOS page shorter than its packets starts at 0",
			opusHeaders().page(flagEOS, 1500, opus(10, false), opus(10, false)).buf,
			[]uint64{0, 960}, []uint32{960, 540}},
		{"audio on the tags page",
			(&builder{serial: 7}).page(flagBOS, 0, marshalHead(1, 0)).
				page(0, 960, marshalTags(), opus(3, false)).buf,
			[]uint64{0}, []uint32{960}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, d, _ := starts(t, tt.stream)
			if !slices.Equal(s, tt.starts) || !slices.Equal(d, tt.durs) {
				t.Errorf("starts %v durations %v, want %v %v", s, d, tt.starts, tt.durs)
			}
		})
	}
}

// TestReaderSpanningPacket splits a 700-byte packet over three pages, the
// middle one with granule -1 because no packet ends on it.
func TestReaderSpanningPacket(t *testing.T) {
	big := opus(700, false)
	b := opusHeaders()
	// page A: a whole packet, then the first 255 bytes of big.
	b.raw(0, 960, []byte{10, 255}, append(opus(10, false), big[:255]...))
	// page B: the next 255 bytes, nothing ends here.
	b.raw(flagContinued, -1, []byte{255}, big[255:510])
	// page C: the last 190 bytes, then one more packet.
	b.raw(flagContinued|flagEOS, 2880, []byte{190, 10}, append(bytes.Clone(big[510:]), opus(10, false)...))
	s, _, pkts := starts(t, b.buf)
	if !slices.Equal(s, []uint64{0, 960, 1920}) || !bytes.Equal(pkts[1].Data, big) {
		t.Fatalf("starts %v, packet 1 %d bytes", s, len(pkts[1].Data))
	}
}

// TestReaderPacketOf255 checks the 0 lacing value that ends a packet whose
// length is a multiple of 255.
func TestReaderPacketOf255(t *testing.T) {
	b := opusHeaders().page(0, 1920, opus(255, false), opus(510, false))
	_, _, pkts := starts(t, b.buf)
	if len(pkts) != 2 || len(pkts[0].Data) != 255 || len(pkts[1].Data) != 510 {
		t.Fatalf("packets: %v", pkts)
	}
}

func TestReaderOtherStreamsAndEnd(t *testing.T) {
	b := opusHeaders()
	other := &builder{serial: 99, buf: b.buf}
	other.page(flagBOS, 0, []byte("\x80theora"))
	b.buf = other.buf
	b.page(0, 960, opus(10, false))
	other.buf = b.buf
	other.page(0, 5, []byte("frame"))
	b.buf = other.buf
	b.page(flagEOS, 1920, opus(10, false))
	b.buf = append(b.buf, "trailing junk that is not a page"...)
	s, _, _ := starts(t, b.buf)
	if !slices.Equal(s, []uint64{0, 960}) {
		t.Fatalf("starts %v", s)
	}

	// Without an EOS page (a recording cut by a crash) the end is io.EOF.
	s, _, _ = starts(t, opusHeaders().page(0, 960, opus(10, false)).buf)
	if !slices.Equal(s, []uint64{0}) {
		t.Fatalf("starts %v", s)
	}
}

func TestReaderFamily1Head(t *testing.T) {
	head := marshalHead(6, 312)
	head[9], head[18] = 6, 1
	head = append(head, 4, 2, 0, 4, 1, 2, 3, 5)
	b := (&builder{}).page(flagBOS, 0, head).page(0, 0, marshalTags())
	r, err := NewReader(bytes.NewReader(b.buf))
	if err != nil {
		t.Fatal(err)
	}
	h := r.Head()
	if h.Channels != 6 || h.MappingFamily != 1 || h.StreamCount != 4 || h.CoupledCount != 2 ||
		!bytes.Equal(h.Mapping, []byte{0, 4, 1, 2, 3, 5}) {
		t.Fatalf("head = %+v", h)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("Next = %v, want io.EOF", err)
	}
}

func TestReaderErrors(t *testing.T) {
	valid := opusHeaders().page(0, 960, opus(10, false)).page(flagEOS, 1920, opus(10, false)).buf
	audio1 := len(opusHeaders().buf) // the first audio page
	audio2 := audio1 + pageHeaderSize + 1 + 10
	patch := func(off int, fix bool, bs ...byte) []byte {
		c := bytes.Clone(valid)
		copy(c[off:], bs)
		if fix { // recompute the CRC of the page at audio1
			end := audio2
			binary.LittleEndian.PutUint32(c[audio1+22:], 0)
			binary.LittleEndian.PutUint32(c[audio1+22:], crcUpdate(0, c[audio1:end]))
		}
		return c
	}
	withHead := func(mutate func([]byte) []byte) []byte {
		return (&builder{}).page(flagBOS, 0, mutate(marshalHead(2, 312))).page(0, 0, marshalTags()).buf
	}
	bigPacket := func() []byte {
		b := opusHeaders()
		chunk := bytes.Repeat([]byte{0xf8}, 255*255)
		lacing := bytes.Repeat([]byte{255}, 255)
		b.raw(0, -1, lacing, chunk)
		for range maxPacketSize / len(chunk) {
			b.raw(flagContinued, -1, lacing, chunk)
		}
		return b.buf
	}

	tests := []struct {
		name    string
		data    []byte
		atOpen  bool
		wantErr error
	}{
		{"empty", nil, true, ErrTruncated},
		{"not ogg", []byte("RIFF....WAVEfmt and then some more bytes"), true, ErrCapture},
		{"headers only, cut", valid[:60], true, ErrTruncated},
		{"not opus", (&builder{}).page(flagBOS, 0, []byte("\x01vorbis\x00\x00\x00\x00\x02\x44\xac")).page(0, 0, marshalTags()).buf, true, ErrNotOpus},
		{"no tags", (&builder{}).page(flagBOS, 0, marshalHead(2, 312)).page(0, 960, opus(10, false)).buf, true, ErrNotOpus},
		{"EOS before tags", (&builder{}).page(flagBOS|flagEOS, 0, marshalHead(2, 312)).buf, true, ErrNotOpus},
		{"head version 16", withHead(func(h []byte) []byte { h[8] = 16; return h }), true, ErrNotOpus},
		{"head 0 channels", withHead(func(h []byte) []byte { h[9] = 0; return h }), true, ErrNotOpus},
		{"family 0 with 3 channels", withHead(func(h []byte) []byte { h[9] = 3; return h }), true, ErrNotOpus},
		{"family 1 table missing", withHead(func(h []byte) []byte { h[18] = 1; return h }), true, ErrNotOpus},
		{"family 1 zero streams", withHead(func(h []byte) []byte { h[18] = 1; return append(h, 0, 0, 0, 1) }), true, ErrNotOpus},
		{"head too short", withHead(func(h []byte) []byte { return h[:12] }), true, ErrNotOpus},
		{"bad CRC", patch(audio1+30, false, 0xff), false, ErrCRC},
		{"bad capture", patch(audio1, false, 'X'), false, ErrCapture},
		{"bad version", patch(audio1+4, true, 1), false, ErrVersion},
		{"cut in page header", valid[:audio1+10], false, ErrTruncated},
		{"cut in segment table", valid[:audio1+27], false, ErrTruncated},
		{"cut in body", valid[:audio1+30], false, ErrTruncated},
		{"lost page", append(bytes.Clone(valid[:audio1]), valid[audio2:]...), false, ErrCorrupt},
		{"continued without a packet", patch(audio1+5, true, flagContinued), false, ErrCorrupt},
		{"negative granule", patch(audio1+6, true, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), false, ErrCorrupt},
		{"invalid TOC", patch(audio1+28, true, 0xfb, 0x00), false, ErrInvalidPacket},
		{"input ends inside a packet", opusHeaders().raw(0, -1, []byte{255}, opus(255, false)).buf, false, ErrTruncated},
		{"packet end dropped", opusHeaders().raw(0, -1, []byte{255}, opus(255, false)).page(0, 960, opus(10, false)).buf, false, ErrCorrupt},
		{"EOS inside a packet", opusHeaders().raw(flagEOS, -1, []byte{255}, opus(255, false)).buf, false, ErrCorrupt},
		{"endless packet", bigPacket(), false, ErrPacketTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tt.data))
			if tt.atOpen {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("NewReader err = %v, want %v", err, tt.wantErr)
				}
				t.Log(err)
				return
			}
			if err != nil {
				t.Fatalf("NewReader: %v", err)
			}
			for {
				_, err = r.Next()
				if err != nil {
					break
				}
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Next err = %v, want %v", err, tt.wantErr)
			}
			t.Log(err)
		})
	}
}
