// Package capture runs ffmpeg as a child process to turn a camera, a
// microphone or any ffmpeg input into live VP8/VP9/AV1 IVF (or H264
// Annex-B) and Opus Ogg streams, read through pipes as media.Sources.
package capture

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
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
	Logger  *slog.Logger
}

// Capture is a running ffmpeg.
type Capture struct {
	Video, Audio media.Source // nil when not captured
	cmd          *exec.Cmd
	done         chan struct{}
	err          error
	stderrTail   *tail
	closeOnce    sync.Once
}

// Start runs ffmpeg and waits for the first video frame and audio packet,
// so that a bad device or input fails here with ffmpeg's own message.
func Start(ctx context.Context, cfg Config) (*Capture, error) {
	if runtime.GOOS == "windows" {
		// ffmpeg's two outputs come through inherited fds 3 and 4, which
		// Go cannot hand a child on Windows.
		return nil, errors.New("capture through ffmpeg is not supported on Windows yet; pipe ffmpeg's IVF or Ogg output into 'send --file -' instead")
	}
	args, hasVideo, hasAudio, err := Args(cfg)
	if err != nil {
		return nil, err
	}
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
	cmd := exec.CommandContext(ctx, path, args...)
	var pipes []*os.File
	var readers []*os.File
	for range 2 {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		readers, pipes = append(readers, r), append(pipes, w)
	}
	cmd.ExtraFiles = pipes // fd 3: video IVF, fd 4: audio Ogg
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	log.Debug("starting ffmpeg", "args", strings.Join(args, " "))
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting ffmpeg: %w", err)
	}
	for _, w := range pipes {
		w.Close() // the child has its copies
	}
	c := &Capture{cmd: cmd, done: make(chan struct{}), stderrTail: &tail{}}
	go c.logStderr(stderr, log)
	go func() {
		err := cmd.Wait()
		c.err = c.describe(err)
		close(c.done)
	}()
	opened := make(chan error, 1)
	go func() {
		var err error
		if hasVideo {
			c.Video, err = media.NewSource(readers[0])
		} else {
			readers[0].Close()
		}
		if err == nil && hasAudio {
			c.Audio, err = media.NewSource(readers[1])
		} else if !hasAudio {
			readers[1].Close()
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
	case <-c.done:
		for _, r := range readers {
			r.Close()
		}
		if c.err == nil {
			c.err = errors.New("ffmpeg exited before producing media")
		}
		return nil, c.err
	}
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

// Close stops ffmpeg.
func (c *Capture) Close() error {
	c.closeOnce.Do(func() {
		if c.cmd.Process != nil {
			c.cmd.Process.Signal(os.Interrupt)
		}
		if c.Video != nil {
			c.Video.Close()
		}
		if c.Audio != nil {
			c.Audio.Close()
		}
	})
	return nil
}

func (c *Capture) describe(err error) error {
	if err == nil {
		return nil
	}
	if msg := c.stderrTail.String(); msg != "" {
		return fmt.Errorf("ffmpeg failed: %v: %s", err, msg)
	}
	return fmt.Errorf("ffmpeg failed: %w", err)
}

func (c *Capture) logStderr(r io.Reader, log *slog.Logger) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		c.stderrTail.add(line)
		log.Debug("ffmpeg", "line", line)
	}
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

// Args builds ffmpeg's command line for cfg and says which outputs it has.
func Args(cfg Config) (args []string, video, audio bool, err error) {
	goos := cfg.OS
	if goos == "" {
		goos = runtime.GOOS
	}
	args = []string{"-hide_banner", "-nostdin", "-loglevel", "warning"}
	var vin, ain int = -1, -1
	switch {
	case cfg.Input != "":
		in, err := splitArgs(cfg.Input)
		if err != nil {
			return nil, false, false, err
		}
		n := 0
		for _, a := range in {
			if a == "-i" {
				n++
			}
		}
		if n == 0 {
			return nil, false, false, fmt.Errorf("--ffmpeg-input %q has no -i", cfg.Input)
		}
		args = append(args, in...)
		vin = 0
		if n >= 2 {
			ain = 1
		}
	case cfg.Device != "" || cfg.AudioDevice != "":
		i := 0
		if cfg.Device != "" {
			args = append(args, videoInput(goos, cfg)...)
			vin, i = i, i+1
		}
		if cfg.AudioDevice != "" {
			args = append(args, audioInput(goos, cfg.AudioDevice)...)
			ain = i
		}
	default:
		return nil, false, false, errors.New("nothing to capture: give a device or an ffmpeg input")
	}
	if vin >= 0 {
		enc, err := videoEncoder(cfg)
		if err != nil {
			return nil, false, false, err
		}
		args = append(args, "-map", strconv.Itoa(vin)+":v:0")
		args = append(args, enc...)
		format := "ivf"
		if strings.EqualFold(cfg.Codec, "h264") {
			format = "h264" // Annex-B
		}
		args = append(args, "-f", format, "-flush_packets", "1", "pipe:3")
	}
	if ain >= 0 {
		args = append(args, "-map", strconv.Itoa(ain)+":a:0",
			"-c:a", "libopus", "-application", "lowdelay", "-frame_duration", "20", "-b:a", "64k", "-ar", "48000",
			"-f", "ogg", "-page_duration", "20000", "-flush_packets", "1", "pipe:4")
	}
	return args, vin >= 0, ain >= 0, nil
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

// PID is ffmpeg's process id.
func (c *Capture) PID() int { return c.cmd.Process.Pid }
