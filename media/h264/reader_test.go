package h264

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/internal/muldiv"
	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// fixtures are the files gen.sh makes; the values were read with ffprobe
// (TestReaderMatchesFFprobe checks them again when it is installed).
var fixtures = []struct {
	file      string
	units     int
	keyframes []int
	fps       Rational
	w, h      int
	plid      string
}{
	{"h264.h264", 75, []int{0, 25, 50}, Rational{25, 1}, 320, 240, "42e00d"},
	{"h264-interlaced.h264", 12, []int{0}, Rational{24000, 1001}, 160, 120, "640015"},
}

func readAll(t testing.TB, r io.Reader, o Options) ([]AccessUnit, *Reader, error) {
	t.Helper()
	hr, err := NewReader(r, o)
	if err != nil {
		t.Fatal(err)
	}
	var out []AccessUnit
	for {
		au, err := hr.Next()
		if errors.Is(err, io.EOF) {
			return out, hr, nil
		}
		if err != nil {
			return out, hr, err
		}
		out = append(out, au)
	}
}

func mustReadAll(t testing.TB, data []byte, o Options) []AccessUnit {
	t.Helper()
	aus, _, err := readAll(t, bytes.NewReader(data), o)
	if err != nil {
		t.Fatal(err)
	}
	return aus
}

// canonical is this test's own statement of AccessUnit.Data's form: the NAL
// units of b, in order, each behind 00 00 00 01, trailing zeros, access
// unit delimiters (9) and filler data (12) removed.
func canonical(b []byte) []byte {
	var out []byte
	for _, nal := range bytes.Split(b, []byte{0, 0, 1}) {
		nal = bytes.TrimRight(nal, "\x00")
		if len(nal) == 0 || nal[0]&0x1f == 9 || nal[0]&0x1f == 12 {
			continue
		}
		out = append(append(out, 0, 0, 0, 1), nal...)
	}
	return out
}

// at90k is the exact time of frame n at fps, rounded to 90 kHz.
func at90k(n int, fps Rational) uint64 {
	return muldiv.Round(uint64(n), 90000*uint64(fps.Den), uint64(fps.Num))
}

func TestReaderFixtures(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.file, func(t *testing.T) {
			data := mediatest.ReadTestdata(t, fx.file)
			aus, r, err := readAll(t, bytes.NewReader(data), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(aus) != fx.units {
				t.Fatalf("%d access units, want %d", len(aus), fx.units)
			}
			var keys []int
			total := 0
			for n, au := range aus {
				if au.Keyframe {
					keys = append(keys, n)
				}
				if want := at90k(n, fx.fps); au.PTS != want {
					t.Errorf("unit %d: PTS %d, want %d", n, au.PTS, want)
				}
				if want := at90k(n+1, fx.fps) - at90k(n, fx.fps); uint64(au.Duration) != want {
					t.Errorf("unit %d: Duration %d, want %d", n, au.Duration, want)
				}
				want := time.Duration(muldiv.Round(uint64(n), uint64(time.Second)*uint64(fx.fps.Den), uint64(fx.fps.Num)))
				if au.Time != want {
					t.Errorf("unit %d: Time %v, want %v", n, au.Time, want)
				}
				if !bytes.Equal(canonical(au.Data), au.Data) {
					t.Errorf("unit %d is not in canonical form", n)
				}
				total += len(au.Data)
			}
			if fmt.Sprint(keys) != fmt.Sprint(fx.keyframes) {
				t.Errorf("keyframes %v, want %v", keys, fx.keyframes)
			}
			// Nothing is lost or duplicated: the units are the file.
			if joined := bytes.Join(dataOf(aus), nil); !bytes.Equal(joined, canonical(data)) {
				t.Errorf("units joined (%d bytes) differ from the file (%d bytes, canonical)", len(joined), len(canonical(data)))
			}
			s := r.SPS()
			if s == nil || s.Width != fx.w || s.Height != fx.h || ProfileLevelID(s) != fx.plid {
				t.Errorf("SPS %+v", s)
			}
			// Reading the units back gives the same units.
			again := mustReadAll(t, bytes.Join(dataOf(aus), nil), Options{})
			if len(again) != len(aus) {
				t.Fatalf("re-read: %d units", len(again))
			}
			for n := range aus {
				if !bytes.Equal(again[n].Data, aus[n].Data) || again[n].PTS != aus[n].PTS {
					t.Fatalf("re-read unit %d differs", n)
				}
			}
		})
	}
}

func dataOf(aus []AccessUnit) [][]byte {
	out := make([][]byte, len(aus))
	for i, au := range aus {
		out[i] = au.Data
	}
	return out
}

// TestReaderMatchesFFprobe: the units are where ffmpeg's h264 parser puts
// the packet boundaries, with its keyframe flags and durations.
func TestReaderMatchesFFprobe(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.file, func(t *testing.T) {
			data := mediatest.ReadTestdata(t, fx.file)
			pkts := ffprobePackets(t, mediatest.Testdata(fx.file))
			aus := mustReadAll(t, data, Options{})
			if len(aus) != len(pkts) {
				t.Fatalf("%d units, ffprobe %d packets", len(aus), len(pkts))
			}
			var elapsed int64
			for n, p := range pkts {
				if want := canonical(data[p.Pos : p.Pos+p.Size]); !bytes.Equal(aus[n].Data, want) {
					t.Errorf("unit %d: %d bytes, ffprobe's packet at %d has %d (canonical)", n, len(aus[n].Data), p.Pos, len(want))
				}
				if aus[n].Keyframe != p.Key {
					t.Errorf("unit %d: Keyframe %v, ffprobe %v", n, aus[n].Keyframe, p.Key)
				}
				if want := uint64((elapsed*3 + 20) / 40); aus[n].PTS != want { // 1/1200000 to 1/90000
					t.Errorf("unit %d: PTS %d, ffprobe %d", n, aus[n].PTS, want)
				}
				elapsed += p.Duration
			}
		})
	}
}

// variant rewrites a valid stream in the other ways Annex-B allows: 3-byte
// start codes everywhere, or 4-byte ones with trailing zeros, an access unit
// delimiter before every unit, filler data and leading zeros.
func variant(t *testing.T, data []byte, aus []AccessUnit, padded bool) []byte {
	t.Helper()
	var out []byte
	if padded {
		out = append(out, 0, 0, 0, 0, 0)
	}
	for _, au := range aus {
		if padded {
			out = append(out, 0, 0, 0, 1, 0x09, 0xf0)
		}
		for _, nal := range bytes.Split(au.Data, []byte{0, 0, 0, 1})[1:] {
			if padded {
				out = append(append(out, 0, 0, 0, 1), nal...)
				out = append(out, 0, 0, 0, 0, 1, 0x0c, 0xff, 0xff, 0x80, 0, 0) // filler, trailing zeros
				continue
			}
			out = append(append(out, 0, 0, 1), nal...)
		}
	}
	return out
}

func TestReaderNormalizes(t *testing.T) {
	data := mediatest.ReadTestdata(t, "h264.h264")
	want := mustReadAll(t, data, Options{})
	for _, padded := range []bool{false, true} {
		got := mustReadAll(t, variant(t, data, want, padded), Options{})
		if len(got) != len(want) {
			t.Fatalf("padded %v: %d units, want %d", padded, len(got), len(want))
		}
		for n := range want {
			if !bytes.Equal(got[n].Data, want[n].Data) || got[n].PTS != want[n].PTS || got[n].Keyframe != want[n].Keyframe {
				t.Fatalf("padded %v: unit %d differs", padded, n)
			}
		}
	}
}

// TestReaderChunking: the result does not depend on how the input arrives.
func TestReaderChunking(t *testing.T) {
	data := mediatest.ReadTestdata(t, "h264-interlaced.h264")
	want := mustReadAll(t, data, Options{})
	for name, r := range map[string]io.Reader{
		"one byte": iotest.OneByteReader(bytes.NewReader(data)),
		"half":     iotest.HalfReader(bytes.NewReader(data)),
		"data+EOF": iotest.DataErrReader(bytes.NewReader(data)),
		"split":    io.MultiReader(bytes.NewReader(data[:len(data)/3]), bytes.NewReader(data[len(data)/3:])),
	} {
		got, _, err := readAll(t, r, Options{})
		if err != nil || len(got) != len(want) {
			t.Fatalf("%s: %d units, %v", name, len(got), err)
		}
		for n := range want {
			if !bytes.Equal(got[n].Data, want[n].Data) {
				t.Fatalf("%s: unit %d differs", name, n)
			}
		}
	}
}

func TestReaderFPS(t *testing.T) {
	data := mediatest.ReadTestdata(t, "h264.h264")
	for _, fps := range []Rational{{30000, 1001}, {24, 1}, {1, 2}, {1, 7000}, {1<<32 - 1, 1}} {
		aus := mustReadAll(t, data, Options{FPS: fps})
		for n, au := range aus {
			if au.PTS != at90k(n, fps) {
				t.Fatalf("%v: unit %d PTS %d, want %d", fps, n, au.PTS, at90k(n, fps))
			}
		}
	}
	if _, _, err := readAll(t, bytes.NewReader(data), Options{FPS: Rational{1, 20000}}); !errors.Is(err, ErrNoFrameRate) {
		t.Errorf("a frame every 5.5 hours: %v", err)
	}
	for _, fps := range []Rational{{0, 1}, {25, 0}} {
		if _, err := NewReader(nil, Options{FPS: fps}); !errors.Is(err, ErrBadOptions) {
			t.Errorf("%v: %v", fps, err)
		}
	}
}

func TestReaderBFrames(t *testing.T) {
	aus, _, err := readAll(t, bytes.NewReader(mediatest.ReadTestdata(t, "h264-bframes.h264")), Options{})
	if !errors.Is(err, ErrBFrames) || !strings.Contains(err.Error(), "-bf 0") {
		t.Fatalf("%d units, %v", len(aus), err)
	}
	if len(aus) != 2 { // I, P, then the first B in decoding order
		t.Errorf("%d units before the error", len(aus))
	}
	r, _ := NewReader(bytes.NewReader(mediatest.ReadTestdata(t, "h264-bframes.h264")), Options{})
	for range 5 {
		_, err = r.Next()
	}
	if !errors.Is(err, ErrBFrames) {
		t.Errorf("error not sticky: %v", err)
	}
}

type failReader struct{}

func (failReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

type stuckReader struct{}

func (stuckReader) Read([]byte) (int, error) { return 0, nil }

func TestReaderErrors(t *testing.T) {
	good := mediatest.ReadTestdata(t, "h264.h264")
	sps := spsConf{profile: 66, level: 30, wMbs: 19, hMapUnits: 14, pocType: 2, timing: true, units: 1, scale: 50, reorder: 0}
	pps := ppsConf{}
	idr := sliceConf{idr: true, refIdc: 3, sliceType: 7, sps: sps, pps: pps}
	for _, c := range []struct {
		name string
		in   io.Reader
		want error
	}{
		{"empty", strings.NewReader(""), io.EOF},
		{"text", strings.NewReader("hello, world"), ErrNotAnnexB},
		{"ivf", strings.NewReader("DKIF\x00\x00\x20\x00VP80"), ErrNotAnnexB},
		{"zeros", bytes.NewReader(make([]byte, 100000)), ErrNotAnnexB},
		{"one zero", strings.NewReader("\x00\x01\x67\x42"), ErrNotAnnexB},
		{"forbidden bit", bytes.NewReader([]byte{0, 0, 1, 0xe7, 1, 2}), ErrBadNAL},
		{"type 0", bytes.NewReader([]byte{0, 0, 1, 0x00, 1, 2}), ErrBadNAL},
		{"type 24", bytes.NewReader([]byte{0, 0, 1, 0x78, 1, 2}), ErrBadNAL},
		{"00 00 00 in a NAL unit", bytes.NewReader(append(append([]byte(nil), good[:30]...), 0, 0, 0, 5)), ErrBadNAL},
		{"00 00 02 in a NAL unit", bytes.NewReader([]byte{0, 0, 1, 0x67, 0x42, 0, 0, 2, 1}), ErrBadNAL},
		{"slice without parameter sets", bytes.NewReader(good[3884:]), ErrMissingParameterSet},
		{"PPS without SPS", bytes.NewReader(annexB(pps.nal(), idr.nal())), ErrMissingParameterSet},
		{"bad SPS", bytes.NewReader([]byte{0, 0, 0, 1, 0x67, 0x42, 0xc0}), ErrBadSPS},
		{"cut in the SPS", bytes.NewReader(good[:7]), ErrBadSPS},
		{"cut in the SPS's VUI", bytes.NewReader(good[:20]), ErrTruncated},
		{"bad PPS", bytes.NewReader(annexB(sps.nal(), []byte{0x68, 0x00, 0x00, 0x80, 0x80})), ErrBadPPS},
		{"cut in a slice header", bytes.NewReader(annexB(sps.nal(), pps.nal(), []byte{0x65, 0x88})), ErrBadSlice},
		{"slice type 10", bytes.NewReader(annexB(sps.nal(), pps.nal(), []byte{0x65, 0x8b, 0x80})), ErrBadSlice},
		{"parameter sets only", bytes.NewReader(good[:36]), ErrTruncated},
		{"no timing", bytes.NewReader(annexB(spsConf{profile: 66, reorder: -1}.nal(), pps.nal(),
			sliceConf{idr: true, refIdc: 3, sliceType: 7, sps: spsConf{reorder: -1}, pps: pps}.nal())), ErrNoFrameRate},
		{"read error", io.MultiReader(bytes.NewReader(good[:100]), failReader{}), nil},
		{"no progress", io.MultiReader(bytes.NewReader(good[:100]), stuckReader{}), io.ErrNoProgress},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := readAll(t, c.in, Options{})
			if c.want == io.EOF {
				if err != nil {
					t.Fatalf("err %v", err)
				}
				return
			}
			if c.want == nil {
				if err == nil || !strings.Contains(err.Error(), "disk on fire") {
					t.Fatalf("err %v", err)
				}
				return
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("err %v, want %v", err, c.want)
			}
		})
	}
}

// TestReaderTooLarge: a NAL unit or access unit over the limit is refused
// without holding more than the limit (and a chunk).
func TestReaderTooLarge(t *testing.T) {
	big := io.MultiReader(bytes.NewReader([]byte{0, 0, 1, 0x06}), strings.NewReader(strings.Repeat("\xff", MaxAccessUnitSize+1)))
	if _, _, err := readAll(t, big, Options{}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err %v", err)
	}
	var au []byte
	for len(au) < MaxAccessUnitSize+1 {
		au = append(au, 0, 0, 1, 0x06)
		au = append(au, bytes.Repeat([]byte{0xff}, 1<<20)...)
	}
	if _, _, err := readAll(t, bytes.NewReader(au), Options{}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err %v", err)
	}
}
