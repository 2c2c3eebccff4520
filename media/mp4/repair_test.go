package mp4

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/h264"
	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

// cutFile is a file that notes, at each Write the Writer makes (the
// header, then one fragment), the file's size and how many samples of
// each track it then holds.
type cutFile struct {
	*os.File
	w       *Writer
	size    int64
	samples []int // per track
	cuts    []fileCut
}

type fileCut struct {
	size    int64
	samples []int
}

func (c *cutFile) Write(b []byte) (int, error) {
	if c.samples == nil {
		c.samples = make([]int, len(c.w.tracks))
	}
	for i, t := range c.w.tracks {
		c.samples[i] += len(t.frag.samples)
	}
	n, err := c.File.Write(b)
	c.size += int64(n)
	c.cuts = append(c.cuts, fileCut{c.size, append([]int(nil), c.samples...)})
	return n, err
}

// recording is a file a Writer wrote without Close, as a crash leaves
// it, and where each of its writes ended.
type recording struct {
	data  []byte
	cuts  []fileCut
	video []frame
	audio []frame
}

// record writes every frame of c and the stereo Opus fixture to a file
// the Writer could finish in place, and does not close it.
func record(t *testing.T, c videoCase) recording {
	t.Helper()
	rec := recording{video: c.frames(t), audio: oggFrames(t, "opus-stereo.ogg", 1)}
	f, err := os.Create(filepath.Join(t.TempDir(), "recording.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cf := &cutFile{File: f}
	w, err := NewWriter(cf, []TrackSpec{{Codec: c.codec}, opusSpec}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if w.file == nil || w.lay.reserve != defaultReserve {
		t.Fatal("the Writer would not finish the file in place")
	}
	cf.w = w
	writeFrames(t, w, interleave(rec.video, rec.audio))
	rec.data, rec.cuts = readFile(t, f.Name()), cf.cuts
	if int64(len(rec.data)) != w.written {
		t.Fatalf("%d bytes in the file, %d written", len(rec.data), w.written)
	}
	return rec
}

// repairFile writes data to a new file and repairs it.
func repairFile(t *testing.T, name string, data []byte) (string, RepairResult, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := repairPath(t, path)
	return path, res, err
}

func repairPath(t testing.TB, path string) (RepairResult, error) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return Repair(f)
}

// checkNoop repairs a finished file and checks Repair says so and leaves
// it byte for byte.
func checkNoop(t *testing.T, path string) {
	t.Helper()
	before := readFile(t, path)
	res, err := repairPath(t, path)
	if err != nil || res != (RepairResult{Finished: true}) {
		t.Errorf("Repair of a finished file: %+v, %v; want Finished and nothing else", res, err)
	}
	if !bytes.Equal(readFile(t, path), before) {
		t.Error("Repair changed a finished file")
	}
}

// TestRepairCrash cuts recordings as a crash leaves them, after k whole
// fragments and in the middle of the next, repairs each copy and checks
// the result is a regular MP4 with every sample of the whole fragments:
// ffprobe finds nothing to say, the pictures are the source's first
// frames, the Opus packets the source's first, the duration theirs, and
// seeking works.
func TestRepairCrash(t *testing.T) {
	requireTool(t, "ffprobe")
	for _, c := range []videoCase{videoCases[0], videoCases[3]} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rec := record(t, c)
			want := frameMD5(t, mediatest.Testdata(c.source))
			frags := rec.cuts[1:]
			if len(frags) < 3 {
				t.Fatalf("only %d fragments", len(frags))
			}
			for k := 1; k <= len(frags); k++ {
				whole, next := frags[k-1], int64(len(rec.data))
				if k < len(frags) {
					next = frags[k].size
				}
				cuts := []int64{whole.size}
				if k < len(frags) {
					// Torn: in the moof's header, in the moof, in the mdat.
					cuts = append(cuts, whole.size+5, whole.size+40, (whole.size+next)/2, next-1)
				}
				for _, cut := range cuts {
					t.Run(fmt.Sprintf("%d fragments and %d bytes", k, cut-whole.size), func(t *testing.T) {
						path, res, err := repairFile(t, "repaired.mp4", rec.data[:cut])
						if err != nil {
							t.Fatalf("Repair: %v", err)
						}
						nv, na := whole.samples[0], whole.samples[1]
						if want := (RepairResult{Tracks: 2, Samples: nv + na, Truncated: cut - whole.size, Changed: true}); res != want {
							t.Errorf("Repair: %+v, want %+v", res, want)
						}
						checkRepaired(t, path, rec, nv, na, want)
						checkNoop(t, path)
					})
				}
			}
		})
	}
}

// checkRepaired checks a repaired recording holds the first nv frames
// and na Opus packets of rec, and nothing else.
func checkRepaired(t *testing.T, path string, rec recording, nv, na int, want []string) {
	t.Helper()
	checkRegular(t, path)
	p := ffprobe(t, path)
	var counts [2]int
	for _, pk := range p.Packets {
		counts[pk.StreamIndex]++
	}
	if counts != [2]int{nv, na} {
		t.Errorf("%d video and %d audio packets, want %d and %d", counts[0], counts[1], nv, na)
	}
	got, msg := decodeVideo(t, path)
	if msg != "" {
		t.Errorf("ffmpeg: %s", msg)
	}
	if fmt.Sprint(got) != fmt.Sprint(want[:nv]) {
		t.Errorf("decoded %d frames, want the source's first %d", len(got), nv)
	}
	if got, want := audioBytes(t, path), joined(rec.audio[:na]); !bytes.Equal(got, want) {
		t.Errorf("audio: %d bytes, want the first %d packets' %d", len(got), na, len(want))
	}
	// The video's last frame lasts as long as the one before; the last
	// Opus packet its 20 ms, less the pre-skip the edit list takes off.
	frame := rec.video[nv-1].pts - rec.video[nv-2].pts
	videoEnd := rec.video[nv-1].pts + frame
	audioEnd := rec.audio[na-1].pts + 20*time.Millisecond - time.Duration(preSkip)*time.Second/opusRate
	end := max(videoEnd, audioEnd).Seconds()
	if d := mediatest.Atof(t, p.Format.Duration); math.Abs(d-end) > frame.Seconds() {
		t.Errorf("duration %.4f s, want %.4f within a frame", d, end)
	}
	checkStart(t, p, 0, 0)
	if nv < 10 {
		return
	}
	mid := rec.video[nv-1].pts / 2
	i := 0
	for rec.video[i].pts < mid {
		i++
	}
	if sum, msg := seekFrame(t, path, mid.Seconds()); msg != "" || sum != want[i] {
		t.Errorf("seeking to %v decoded %s, want frame %d of the source: %s", mid, sum, i, msg)
	}
}

// TestRepairExact checks that Repair finishes a recording exactly as
// Close does: it takes a file as Close leaves it just before it
// finalizes (every fragment written, the last samples' durations
// Close's), repairs a copy, lets Close finish the original, and compares
// them byte for byte, also with a torn fragment or zeros after the copy.
// The recordings cover every codec, the moov fitting the reserve and not
// (the fragments move), no reserve, audio only, two Opus tracks, and
// tracks that start late (an empty edit).
func TestRepairExact(t *testing.T) {
	audio := oggFrames(t, "opus-stereo.ogg", 1)
	late := func(frames []frame, by time.Duration) []frame {
		out := append([]frame(nil), frames...)
		for i := range out {
			out[i].pts += by
		}
		return out
	}
	type exact struct {
		name    string
		specs   []TrackSpec
		frames  []frame
		reserve int
	}
	var cases []exact
	for _, c := range videoCases {
		specs := []TrackSpec{{Codec: c.codec}, opusSpec}
		cases = append(cases,
			exact{c.name, specs, interleave(c.frames(t), audio), defaultReserve},
			exact{c.name + " no reserve", specs, interleave(c.frames(t), audio), 0})
	}
	// Three minutes of VP9 at irregular times: a moov larger than the reserve.
	src := ivfFrames(t, "vp9.ivf")
	var long []frame
	for i := range 60 * len(src) {
		f := src[i%len(src)]
		f.pts = time.Duration(i)*33333*time.Microsecond + time.Duration(i%7)*100*time.Microsecond
		long = append(long, f)
	}
	for i := range 60 * 3 * 50 {
		f := audio[i%len(audio)]
		f.pts = time.Duration(i) * 20 * time.Millisecond
		long = append(long, f)
	}
	h264 := h264Frames(t)
	cases = append(cases,
		exact{"long vp9", []TrackSpec{{Codec: CodecVP9}, opusSpec}, interleave(long), defaultReserve},
		exact{"audio only", []TrackSpec{{Codec: CodecOpus, Channels: 1}}, late(oggFrames(t, "opus-mono.ogg", 0), time.Second), defaultReserve},
		exact{"audio later", []TrackSpec{{Codec: CodecH264}, opusSpec}, interleave(h264, late(audio, 512300*time.Microsecond)), defaultReserve},
		exact{"video later", []TrackSpec{{Codec: CodecH264}, opusSpec},
			interleave(late(h264, 10*time.Second+301700*time.Microsecond), late(audio, 10*time.Second)), defaultReserve},
		exact{"two opus", []TrackSpec{{Codec: CodecH264}, opusSpec, {Codec: CodecOpus, Channels: 1}},
			interleave(h264, audio, oggFrames(t, "opus-mono.ogg", 2)), defaultReserve},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "closed.mp4")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			w, err := NewWriter(f, c.specs, Options{})
			if err != nil {
				t.Fatal(err)
			}
			w.lay.reserve = c.reserve
			writeFrames(t, w, c.frames)
			if err := w.finishTracks(); err != nil {
				t.Fatal(err)
			}
			unfinished := readFile(t, path)
			samples := 0
			for _, tr := range w.tracks {
				samples += len(tr.tab.sizes)
			}
			if err := w.finalize(); err != nil {
				t.Fatal(err)
			}
			closed := readFile(t, path)
			// A torn fragment: the first half of the last one.
			last := w.frags[len(w.frags)-1]
			torn := unfinished[last : last+(int64(len(unfinished))-last)/2]
			// What a power cut may leave of writes the disk had not made.
			zeros := make([]byte, 3<<20)
			for _, tail := range [][]byte{nil, torn, zeros} {
				repaired, res, err := repairFile(t, "repaired.mp4", append(bytes.Clone(unfinished), tail...))
				if err != nil {
					t.Fatalf("Repair: %v", err)
				}
				want := RepairResult{Tracks: len(c.specs), Samples: samples, Truncated: int64(len(tail)), Changed: true}
				if res != want {
					t.Errorf("Repair: %+v, want %+v", res, want)
				}
				if got := readFile(t, repaired); !bytes.Equal(got, closed) {
					t.Errorf("torn %d bytes: the repaired file (%d bytes) differs from Close's (%d)", len(tail), len(got), len(closed))
				}
				checkNoop(t, repaired)
			}
			checkNoop(t, path)
		})
	}
}

// TestRepairInClose stops Close at each of its writes in turn, as a
// crash would, repairs what it left, and checks the result holds the
// whole recording: Close never leaves a file Repair cannot finish.
// Stopped before its first write, Close leaves the file Repair finishes
// exactly as Close would have.
func TestRepairInClose(t *testing.T) {
	requireTool(t, "ffprobe")
	c := videoCases[0]
	rec := recording{video: c.frames(t), audio: oggFrames(t, "opus-stereo.ogg", 1)}
	frames := interleave(rec.video, rec.audio)
	want := frameMD5(t, mediatest.Testdata(c.source))
	for _, reserve := range []int{0, 16, defaultReserve} {
		closed := writeFile(t, "closed.mp4", []TrackSpec{{Codec: c.codec}, opusSpec}, Options{}, frames,
			func(w *Writer) { w.lay.reserve = reserve })
		for crashAt := 1; ; crashAt++ {
			path := filepath.Join(t.TempDir(), "crash.mp4")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			cf := &crashFile{File: f, crashAt: crashAt}
			w, err := NewWriter(cf, []TrackSpec{{Codec: c.codec}, opusSpec}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			w.lay.reserve = reserve
			writeFrames(t, w, frames)
			closeErr := w.Close()
			f.Close()
			t.Run(fmt.Sprintf("reserve %d crash at %d", reserve, crashAt), func(t *testing.T) {
				t.Parallel()
				before := readFile(t, path)
				res, err := repairPath(t, path)
				if err != nil {
					t.Fatalf("Repair: %v", err)
				}
				if res.Finished != (closeErr == nil) || res.Tracks != 2 && !res.Finished {
					t.Errorf("Repair: %+v after Close returned %v", res, closeErr)
				}
				if res.Finished && !bytes.Equal(readFile(t, path), before) {
					t.Error("Repair changed a finished file")
				}
				if crashAt == 1 && !bytes.Equal(readFile(t, path), readFile(t, closed)) {
					t.Error("Repair of a file Close had not written to differs from Close's")
				}
				checkRepaired(t, path, rec, len(rec.video), len(rec.audio), want)
				checkNoop(t, path)
			})
			if closeErr == nil {
				break
			}
			if !errors.Is(closeErr, errCrash) {
				t.Fatalf("Close: %v", closeErr)
			}
		}
	}
}

// TestRepairRefuses gives Repair files it must not change: not MP4,
// MP4 but not a recording, a recording damaged beyond a torn write, one
// without a whole fragment, one it may not write to. Each gets an error
// that says what is wrong, and keeps every byte.
func TestRepairRefuses(t *testing.T) {
	rec := record(t, videoCases[0])
	header := rec.data[:rec.cuts[0].size]
	random := make([]byte, 100_000)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	// The sample entry of the video track, made HEVC's.
	hevc := bytes.Clone(rec.data)
	stsd := bytes.Index(hevc, []byte("stsd"))
	copy(hevc[stsd+bytes.Index(hevc[stsd:], []byte("avc1")):], "hvc1")
	// The sequence number of the second fragment, made 3.
	seq2 := bytes.Clone(rec.data)
	mfhd := bytes.Index(seq2[rec.cuts[1].size:], []byte("mfhd")) + int(rec.cuts[1].size)
	seq2[mfhd+11]++
	for _, c := range []struct {
		name string
		data []byte
		want error
		says string
	}{
		{"empty", nil, ErrNotRecording, "empty"},
		{"random", random, ErrNotRecording, "no ftyp"},
		{"Ogg", mediatest.ReadTestdata(t, "opus-stereo.ogg"), ErrNotRecording, "no ftyp"},
		{"IVF", mediatest.ReadTestdata(t, "vp9.ivf"), ErrNotRecording, "no ftyp"},
		{"ftyp and random", append(bytes.Clone(rec.data[:32]), random...), ErrNotRecording, "no moov"},
		{"torn header", header[:100], ErrNotRecording, "cut off"},
		{"HEVC", hevc, ErrNotRecording, `"hvc1" sample entry`},
		{"a broken fragment", seq2, ErrNotRecording, "fragment 3 after fragment 1"},
		{"a broken last fragment", seq2[:rec.cuts[2].size], ErrNotRecording, "fragment 3 after fragment 1"},
		{"random after a fragment", append(bytes.Clone(rec.data[:rec.cuts[1].size]), bytes.Repeat(random, 400)...),
			ErrNotRecording, "more than a torn write leaves"},
		{"a box after a fragment", append(bytes.Clone(rec.data[:rec.cuts[1].size]), rec.data[:100]...),
			ErrNotRecording, `a "ftyp" box`},
		{"random bytes after a fragment", append(bytes.Clone(rec.data[:rec.cuts[1].size]), random[:1000]...),
			ErrNotRecording, "not a box"},
		{"header only", header, ErrNoFrames, "before its first whole fragment"},
		{"torn first fragment", rec.data[:rec.cuts[1].size-10], ErrNoFrames, "before its first whole fragment"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path, res, err := repairFile(t, "bad.mp4", c.data)
			t.Log(err)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.says) {
				t.Errorf("Repair: %v; want %v saying %q", err, c.want, c.says)
			}
			if res.Changed || res.Finished || res.Truncated != 0 {
				t.Errorf("Repair: %+v", res)
			}
			if !bytes.Equal(readFile(t, path), c.data) {
				t.Error("Repair changed the file")
			}
		})
	}
	t.Run("read-only", func(t *testing.T) {
		torn := rec.data[:rec.cuts[2].size+100]
		path := filepath.Join(t.TempDir(), "ro.mp4")
		if err := os.WriteFile(path, torn, 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := Repair(f); !errors.Is(err, ErrWrite) {
			t.Errorf("Repair of a file open read-only: %v, want ErrWrite", err)
		}
		if !bytes.Equal(readFile(t, path), torn) {
			t.Error("Repair changed the file")
		}
	})
	t.Run("append", func(t *testing.T) {
		torn := rec.data[:rec.cuts[2].size+100]
		path := filepath.Join(t.TempDir(), "append.mp4")
		if err := os.WriteFile(path, torn, 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if res, err := Repair(f); !errors.Is(err, ErrWrite) || res.Changed {
			t.Errorf("Repair of a file open with O_APPEND: %+v, %v; want ErrWrite", res, err)
		}
		if !bytes.Equal(readFile(t, path), torn) {
			t.Error("Repair changed the file")
		}
	})
	t.Run("directory", func(t *testing.T) {
		f, err := os.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := Repair(f); !errors.Is(err, ErrNotRecording) {
			t.Errorf("Repair of a directory: %v", err)
		}
	})
}

// TestRepairFinished checks Repair leaves files Close finished as they
// are, with a reserve and without (the fragments moved).
func TestRepairFinished(t *testing.T) {
	frames := interleave(h264Frames(t), oggFrames(t, "opus-stereo.ogg", 1))
	for _, reserve := range []int{defaultReserve, 0} {
		path := writeFile(t, "closed.mp4", []TrackSpec{{Codec: CodecH264}, opusSpec}, Options{}, frames,
			func(w *Writer) { w.lay.reserve = reserve })
		checkNoop(t, path)
	}
	// A Writer that never started: its finished file has no samples.
	checkNoop(t, writeFile(t, "empty.mp4", []TrackSpec{{Codec: CodecH264}, opusSpec}, Options{}, nil, nil))
}

// FuzzRepair repairs arbitrary files: Repair must not panic, must leave
// a file it refuses as it was, and must finish a file so that repairing
// it again changes nothing. Each input costs a file and an fsync, so
// minimizing takes long: run it with -fuzzminimizetime=10x.
func FuzzRepair(f *testing.F) {
	// Small seeds fuzz faster: the fixture's SPS and PPS with made-up
	// slices of a few bytes, and Opus packets of a TOC and a byte, over
	// 2 fragments.
	var key []byte
	nals, _ := h264.AppendNALUnits(nil, h264Frames(f)[0].data)
	for _, n := range nals {
		if typ := n[0] & 0x1f; typ == nalSPS || typ == nalPPS {
			key = append(append(key, 0, 0, 0, 1), n...)
		}
	}
	key = append(key, 0, 0, 0, 1, 0x65, 0x88, 0x84)
	frames := []frame{{data: key, key: true}}
	for i := 1; i < 40; i++ {
		frames = append(frames, frame{data: []byte{0, 0, 0, 1, 0x41, 0x9a, byte(i)}, pts: time.Duration(i) * 40 * time.Millisecond, key: i == 30})
	}
	for i := range 80 {
		frames = append(frames, frame{track: 1, data: []byte{0xfc, byte(i)}, pts: time.Duration(i) * 20 * time.Millisecond})
	}
	frames = interleave(frames)
	small := func(opts Options, reserve int) []byte {
		path := filepath.Join(f.TempDir(), "seed.mp4")
		file, err := os.Create(path)
		if err != nil {
			f.Fatal(err)
		}
		defer file.Close()
		w, err := NewWriter(file, []TrackSpec{{Codec: CodecH264}, opusSpec}, opts)
		if err != nil {
			f.Fatal(err)
		}
		w.lay.reserve = reserve
		writeFrames(f, w, frames)
		if err := w.Close(); err != nil {
			f.Fatal(err)
		}
		return readFile(f, path)
	}
	fragmented := small(Options{Fragmented: true}, 16)
	f.Add(fragmented)
	f.Add(fragmented[:len(fragmented)-7])
	f.Add(small(Options{}, 16))
	f.Add([]byte("\x00\x00\x00\x08ftyp"))
	path := filepath.Join(f.TempDir(), "fuzz.mp4") // the target runs one input at a time
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := repairPath(t, path)
		got := readFile(t, path)
		switch {
		case err != nil:
			if res.Changed || !bytes.Equal(got, data) {
				t.Fatalf("Repair failed (%v) and changed the file: %+v", err, res)
			}
		case res.Finished:
			if res.Changed || !bytes.Equal(got, data) {
				t.Fatalf("Repair changed a finished file: %+v", res)
			}
		default:
			again, err := repairPath(t, path)
			if err != nil || again != (RepairResult{Finished: true}) || !bytes.Equal(readFile(t, path), got) {
				t.Fatalf("Repair of the repaired file: %+v, %v", again, err)
			}
		}
	})
}

// TestRepairTable checks that giving a table's last sample another
// duration leaves it as if add had been given that duration: for every
// sequence of up to 5 samples of 3 durations, and every last duration.
func TestRepairTable(t *testing.T) {
	durs := []uint32{10, 20, 30}
	var seqs [][]uint32
	var grow func(s []uint32)
	grow = func(s []uint32) {
		if len(s) > 0 {
			seqs = append(seqs, s)
		}
		if len(s) < 5 {
			for _, d := range durs {
				grow(append(s[:len(s):len(s)], d))
			}
		}
	}
	grow(nil)
	for _, s := range seqs {
		for _, d := range durs {
			var want, got table
			for i, x := range s {
				got.add(1, x, false, 0)
				if i == len(s)-1 {
					x = d
				}
				want.add(1, x, false, 0)
			}
			prev, ok := got.previousDuration()
			if ok != (len(s) > 1) || ok && prev != s[len(s)-2] {
				t.Errorf("%v: previous duration %d, %v", s, prev, ok)
			}
			got.setLastDuration(d)
			if fmt.Sprint(got.stts) != fmt.Sprint(want.stts) || got.duration != want.duration {
				t.Errorf("%v, last %d: %v (%d), want %v (%d)", s, d, got.stts, got.duration, want.stts, want.duration)
			}
		}
	}
}

// TestRepairMemory checks that Repair reads the moofs, not the media: a
// 50 MB recording, whose fragments must move, allocates under 4 MB.
func TestRepairMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 50 MB")
	}
	path := filepath.Join(t.TempDir(), "big.mp4")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := NewWriter(f, []TrackSpec{{Codec: CodecH264}, opusSpec}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	w.lay.reserve = 0
	writeFrames(t, w, synthetic(t, 1000, 50_000))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := Repair(f)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("Repair of %d MB: %+v, %d KB allocated", w.written>>20, res, alloc>>10)
	if alloc > 4<<20 {
		t.Errorf("Repair allocated %d bytes", alloc)
	}
	checkRegular(t, path)
}
