// Package capture runs ffmpeg as a child process to turn a camera, a
// microphone or any ffmpeg input into live VP8/VP9/AV1 IVF (or H264
// Annex-B) and Opus Ogg streams, read through pipes as media.Sources.
package capture

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/webrtc-cli/webrtc-cli/media"
)

// ErrNoFFmpeg is returned when the ffmpeg binary cannot be found.
var ErrNoFFmpeg = errors.New("ffmpeg not found: install it (e.g. apt-get install ffmpeg) or pass its path")

// Config says what to capture and how to encode it.
type Config struct {
	FFmpeg string // binary; default "ffmpeg" from PATH

	Device      string // camera: /dev/video0 (Linux), "0" (macOS), "Integrated Camera" (Windows)
	AudioDevice string // microphone: "default" (ALSA/PulseAudio), ":0" (macOS), a dshow name
	// Input is raw ffmpeg input arguments instead of Device, e.g.
	// "-re -f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i sine".
	// With two -i, the second input gives the audio.
	Input string

	Codec   string // vp8 (default), vp9, av1 or h264
	Size    string // WxH, e.g. 1280x720
	FPS     int
	Bitrate string // e.g. 1M
	Keyint  int    // frames between keyframes; default 1 s worth
	OS      string // target platform for device input; default runtime.GOOS
	// Split runs one ffmpeg per stream (as on Windows, where a child
	// cannot inherit extra pipes); an input with both is opened twice.
	Split  bool
	Logger *slog.Logger
}

// Capture is a running capture: one ffmpeg writing both streams to
// inherited pipes, or (Windows, or Config.Split) one ffmpeg per stream
// writing to its standard output.
type Capture struct {
	Video, Audio media.Source // nil when not captured
	procs        []*proc
	exited       chan struct{} // closed when the first ffmpeg exits
	exitOnce     sync.Once
	done         chan struct{} // closed when all have exited
	err          error
	closeOnce    sync.Once
}

// proc is one ffmpeg child.
type proc struct {
	cmd  *exec.Cmd
	tail *tail
	done chan struct{}
	err  error
}

// Start runs ffmpeg and waits for the first video frame and audio packet,
// so that a bad device or input fails here with ffmpeg's own message.
func Start(ctx context.Context, cfg Config) (*Capture, error) {
	bin := cfg.FFmpeg
	if bin == "" {
		bin = "ffmpeg"
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNoFFmpeg, err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Capture{exited: make(chan struct{}), done: make(chan struct{})}
	var videoR, audioR *os.File
	if cfg.Split || runtime.GOOS == "windows" {
		// Go cannot hand a Windows child extra pipes: one ffmpeg per
		// stream, each on its standard output.
		va, aa, err := SplitArgs(cfg)
		if err != nil {
			return nil, err
		}
		for _, a := range []struct {
			args []string
			out  **os.File
		}{{va, &videoR}, {aa, &audioR}} {
			if a.args == nil {
				continue
			}
			rs, err := c.launch(ctx, path, a.args, false, log)
			if err != nil {
				c.Close()
				return nil, err
			}
			*a.out = rs[0]
		}
	} else {
		args, hasVideo, hasAudio, err := Args(cfg)
		if err != nil {
			return nil, err
		}
		rs, err := c.launch(ctx, path, args, true, log)
		if err != nil {
			return nil, err
		}
		videoR, audioR = rs[0], rs[1]
		if !hasVideo {
			videoR.Close()
			videoR = nil
		}
		if !hasAudio {
			audioR.Close()
			audioR = nil
		}
	}
	go func() {
		var errs []error
		for _, p := range c.procs {
			<-p.done
			errs = append(errs, p.err)
		}
		c.err = errors.Join(errs...)
		close(c.done)
	}()
	opened := make(chan error, 1)
	go func() {
		var err error
		if videoR != nil {
			c.Video, err = media.NewSource(videoR)
		}
		if err == nil && audioR != nil {
			c.Audio, err = media.NewSource(audioR)
		}
		opened <- err
	}()
	select {
	case err := <-opened:
		if err != nil {
			c.Close()
			<-c.done
			if c.err != nil {
				return nil, c.err
			}
			return nil, fmt.Errorf("reading ffmpeg's output: %w", err)
		}
		return c, nil
	case <-c.exited:
		// An ffmpeg that exits before its first frame failed to open its
		// input: report it, and stop any other. The opener still owns
		// Video and Audio until it returns, so close its pipes instead.
		c.signal()
		for _, r := range []*os.File{videoR, audioR} {
			if r != nil {
				r.Close()
			}
		}
		<-opened
		<-c.done
		if c.err == nil {
			c.err = errors.New("ffmpeg exited before producing media")
		}
		return nil, c.err
	}
}

// launch starts one ffmpeg. Its outputs are fds 3 and 4 (extra) or its
// standard output; it returns our ends.
func (c *Capture) launch(ctx context.Context, path string, args []string, extra bool, log *slog.Logger) ([]*os.File, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	n := 1
	if extra {
		n = 2
	}
	var ours, theirs []*os.File
	for range n {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		ours, theirs = append(ours, r), append(theirs, w)
	}
	if extra {
		cmd.ExtraFiles = theirs // fd 3: video, fd 4: audio
	} else {
		cmd.Stdout = theirs[0]
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	log.Debug("starting ffmpeg", "args", strings.Join(args, " "))
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting ffmpeg: %w", err)
	}
	for _, w := range theirs {
		w.Close() // the child has its copies
	}
	p := &proc{cmd: cmd, tail: &tail{}, done: make(chan struct{})}
	c.procs = append(c.procs, p)
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.tail.add(sc.Text())
			log.Debug("ffmpeg", "line", sc.Text())
		}
	}()
	go func() {
		<-logged // all of stderr read, so the error message is whole
		err := cmd.Wait()
		p.err = p.describe(err)
		close(p.done)
		c.exitOnce.Do(func() { close(c.exited) })
	}()
	return ours, nil
}

// Wait waits for ffmpeg to exit and returns Err.
func (c *Capture) Wait() error {
	<-c.done
	return c.err
}

// Done is closed when ffmpeg has exited; Err then says why.
func (c *Capture) Done() <-chan struct{} { return c.done }

// Err is ffmpeg's exit, with the end of its stderr.
func (c *Capture) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

func (c *Capture) signal() {
	for _, p := range c.procs {
		if p.cmd.Process != nil {
			p.cmd.Process.Signal(os.Interrupt)
		}
	}
}

// Close stops ffmpeg.
func (c *Capture) Close() error {
	c.closeOnce.Do(func() {
		c.signal()
		if c.Video != nil {
			c.Video.Close()
		}
		if c.Audio != nil {
			c.Audio.Close()
		}
	})
	return nil
}

func (p *proc) describe(err error) error {
	if err == nil {
		return nil
	}
	if msg := p.tail.String(); msg != "" {
		return fmt.Errorf("ffmpeg failed: %v: %s", err, msg)
	}
	return fmt.Errorf("ffmpeg failed: %w", err)
}

// tail keeps ffmpeg's last stderr lines for error messages.
type tail struct {
	mu    sync.Mutex
	lines []string
}

func (t *tail) add(s string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.lines) == 5 {
		t.lines = t.lines[1:]
	}
	t.lines = append(t.lines, s)
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, " | ")
}

// Args builds the command line of one ffmpeg writing video to fd 3 and
// audio to fd 4, and says which outputs it has.
func Args(cfg Config) (args []string, video, audio bool, err error) {
	inputs, vin, ain, err := plan(cfg)
	if err != nil {
		return nil, false, false, err
	}
	args = header()
	for _, in := range inputs {
		args = append(args, in...)
	}
	if vin >= 0 {
		out, err := videoOutput(cfg, vin, "pipe:3")
		if err != nil {
			return nil, false, false, err
		}
		args = append(args, out...)
	}
	if ain >= 0 {
		args = append(args, audioOutput(ain, "pipe:4")...)
	}
	return args, vin >= 0, ain >= 0, nil
}

// SplitArgs builds one ffmpeg per stream, each writing to its standard
// output: for platforms where a child cannot inherit extra pipes
// (Windows). An input with both streams is then opened twice. nil means
// no such stream.
func SplitArgs(cfg Config) (video, audio []string, err error) {
	inputs, vin, ain, err := plan(cfg)
	if err != nil {
		return nil, nil, err
	}
	if vin >= 0 {
		out, err := videoOutput(cfg, 0, "pipe:1")
		if err != nil {
			return nil, nil, err
		}
		video = append(append(header(), inputs[vin]...), out...)
	}
	if ain >= 0 {
		audio = append(append(header(), inputs[ain]...), audioOutput(0, "pipe:1")...)
	}
	return video, audio, nil
}

func header() []string { return []string{"-hide_banner", "-nostdin", "-loglevel", "warning"} }

// plan splits what to capture into ffmpeg inputs (each the options before
// an -i, and the -i) and says which gives the video and which the audio
// (-1: none).
func plan(cfg Config) (inputs [][]string, vin, ain int, err error) {
	goos := cfg.OS
	if goos == "" {
		goos = runtime.GOOS
	}
	vin, ain = -1, -1
	switch {
	case cfg.Input != "":
		args, err := splitArgs(cfg.Input)
		if err != nil {
			return nil, -1, -1, err
		}
		var cur []string
		for i := 0; i < len(args); i++ {
			cur = append(cur, args[i])
			if args[i] == "-i" && i+1 < len(args) {
				i++
				inputs, cur = append(inputs, append(cur, args[i])), nil
			}
		}
		if len(inputs) == 0 {
			return nil, -1, -1, fmt.Errorf("--ffmpeg-input %q has no -i", cfg.Input)
		}
		// What follows the last input applies to it.
		inputs[len(inputs)-1] = append(inputs[len(inputs)-1], cur...)
		vin = 0
		if len(inputs) >= 2 {
			ain = 1
		}
	case cfg.Device != "" || cfg.AudioDevice != "":
		if cfg.Device != "" {
			vin, inputs = len(inputs), append(inputs, videoInput(goos, cfg))
		}
		if cfg.AudioDevice != "" {
			ain, inputs = len(inputs), append(inputs, audioInput(goos, cfg.AudioDevice))
		}
	default:
		return nil, -1, -1, errors.New("nothing to capture: give a device or an ffmpeg input")
	}
	return inputs, vin, ain, nil
}

func videoOutput(cfg Config, input int, pipe string) ([]string, error) {
	enc, err := videoEncoder(cfg)
	if err != nil {
		return nil, err
	}
	format := "ivf"
	if strings.EqualFold(cfg.Codec, "h264") {
		format = "h264" // Annex-B
	}
	out := append([]string{"-map", strconv.Itoa(input) + ":v:0"}, enc...)
	return append(out, "-f", format, "-flush_packets", "1", pipe), nil
}

func audioOutput(input int, pipe string) []string {
	return []string{"-map", strconv.Itoa(input) + ":a:0",
		"-c:a", "libopus", "-application", "lowdelay", "-frame_duration", "20", "-b:a", "64k", "-ar", "48000",
		"-f", "ogg", "-page_duration", "20000", "-flush_packets", "1", pipe}
}

func videoInput(goos string, cfg Config) []string {
	var in []string
	switch goos {
	case "darwin":
		in = []string{"-f", "avfoundation"}
	case "windows":
		in = []string{"-f", "dshow"}
	default:
		in = []string{"-f", "v4l2"}
	}
	if cfg.FPS > 0 {
		in = append(in, "-framerate", strconv.Itoa(cfg.FPS))
	}
	if cfg.Size != "" {
		in = append(in, "-video_size", cfg.Size)
	}
	dev := cfg.Device
	if goos == "windows" {
		dev = "video=" + dev
	}
	return append(in, "-i", dev)
}

func audioInput(goos, dev string) []string {
	switch goos {
	case "darwin":
		return []string{"-f", "avfoundation", "-i", dev}
	case "windows":
		return []string{"-f", "dshow", "-i", "audio=" + dev}
	}
	if strings.HasPrefix(dev, "pulse:") {
		return []string{"-f", "pulse", "-i", strings.TrimPrefix(dev, "pulse:")}
	}
	return []string{"-f", "alsa", "-i", dev}
}

// videoEncoder gives real-time, low-latency settings: no lookahead, no
// alt-ref frames, short keyframe interval so late receivers start soon.
func videoEncoder(cfg Config) ([]string, error) {
	fps := cfg.FPS
	if fps <= 0 {
		fps = 30
	}
	keyint := cfg.Keyint
	if keyint <= 0 {
		keyint = fps
	}
	br := cfg.Bitrate
	if br == "" {
		br = "1M"
	}
	common := []string{"-b:v", br, "-g", strconv.Itoa(keyint), "-keyint_min", strconv.Itoa(keyint), "-r", strconv.Itoa(fps), "-pix_fmt", "yuv420p"}
	if cfg.Size != "" && cfg.Input != "" {
		common = append(common, "-s", cfg.Size)
	}
	switch strings.ToLower(cfg.Codec) {
	case "", "vp8":
		return append([]string{"-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-lag-in-frames", "0", "-auto-alt-ref", "0", "-error-resilient", "1"}, common...), nil
	case "vp9":
		return append([]string{"-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-lag-in-frames", "0", "-row-mt", "1"}, common...), nil
	case "av1":
		return append([]string{"-c:v", "libaom-av1", "-usage", "realtime", "-cpu-used", "10", "-lag-in-frames", "0", "-row-mt", "1"}, common...), nil
	case "h264":
		// No B-frames (WebRTC has no reordering), and SPS/PPS before every
		// IDR so that a receiver joining late can decode.
		return append([]string{"-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-bf", "0",
			"-profile:v", "baseline", "-x264-params", "repeat-headers=1"}, common...), nil
	}
	return nil, fmt.Errorf("--codec %q: want vp8, vp9, av1 or h264", cfg.Codec)
}

// splitArgs splits a command line with shell-like quoting ('...', "...",
// backslash), so --ffmpeg-input can carry filter graphs.
func splitArgs(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	var quote rune
	inArg := false
	for i := 0; i < len(s); i++ {
		ch := rune(s[i])
		switch {
		case quote == '"' && ch == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case quote != 0:
			if ch == quote {
				quote = 0
			} else {
				cur.WriteRune(ch)
			}
		case ch == '\'' || ch == '"':
			quote, inArg = ch, true
		case ch == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inArg = true
		case ch == ' ' || ch == '\t' || ch == '\n':
			if inArg {
				out = append(out, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteRune(ch)
			inArg = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote in %q", s)
	}
	if inArg {
		out = append(out, cur.String())
	}
	return out, nil
}

// ListDevices asks ffmpeg what capture devices there are.
func ListDevices(ctx context.Context, ffmpeg, goos string) (string, error) {
	if ffmpeg == "" {
		ffmpeg = "ffmpeg"
	}
	if goos == "" {
		goos = runtime.GOOS
	}
	if _, err := exec.LookPath(ffmpeg); err != nil {
		return "", fmt.Errorf("%w (%v)", ErrNoFFmpeg, err)
	}
	var runs [][]string
	switch goos {
	case "darwin":
		runs = [][]string{{"-hide_banner", "-f", "avfoundation", "-list_devices", "true", "-i", ""}}
	case "windows":
		runs = [][]string{{"-hide_banner", "-list_devices", "true", "-f", "dshow", "-i", "dummy"}}
	default:
		runs = [][]string{{"-hide_banner", "-sources", "v4l2"}, {"-hide_banner", "-sources", "alsa"}, {"-hide_banner", "-sources", "pulse"}}
	}
	var b strings.Builder
	for _, args := range runs {
		// These commands exit non-zero by design (no output file) or when
		// a backend has no devices: what they print is the answer.
		out, _ := exec.CommandContext(ctx, ffmpeg, args...).CombinedOutput()
		b.Write(out)
	}
	return b.String(), nil
}

// PID is the (first) ffmpeg's process id.
func (c *Capture) PID() int { return c.procs[0].cmd.Process.Pid }
