package mp4

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/webrtc-cli/webrtc-cli/media/mediatest"
)

func requireChromium(t *testing.T) string { return mediatest.RequireChromium(t) }

// playScript plays the page's video to 1 s, seeks to 2 s, and reports
// what Chromium made of it; it rejects on a media error or after 20 s.
const playScript = `new Promise((resolve, reject) => {
  const v = document.querySelector('video');
  v.onerror = () => reject('media error ' + v.error.code + ': ' + v.error.message);
  setTimeout(() => reject('timed out at ' + v.currentTime + ' s, readyState ' + v.readyState), 20000);
  v.ontimeupdate = () => {
    if (v.currentTime < 1 || v.seeking || v.dataset.seeked) return;
    v.dataset.seeked = '1';
    v.onseeked = () => resolve({
      width: v.videoWidth, duration: v.duration, time: v.currentTime,
      frames: v.getVideoPlaybackQuality().totalVideoFrames,
      audioBytes: v.webkitAudioDecodedByteCount,
    });
    v.currentTime = 2;
  };
  v.play().catch(reject);
})`

type playResult struct {
	Width      int     `json:"width"`
	Duration   float64 `json:"duration"`
	Time       float64 `json:"time"`
	Frames     int     `json:"frames"`
	AudioBytes int     `json:"audioBytes"`
}

// TestChromium plays each finished file in headless Chromium, from an
// HTTP server as a page would, and seeks in it.
func TestChromium(t *testing.T) {
	exe := requireChromium(t)
	dir := t.TempDir()
	for _, c := range videoCases {
		frames := interleave(c.frames(t), oggFrames(t, "opus-stereo.ogg", 1))
		path := writeFile(t, c.name, []TrackSpec{{Codec: c.codec}, opusSpec}, Options{}, frames, nil)
		if err := os.Rename(path, filepath.Join(dir, c.name)); err != nil {
			t.Fatal(err)
		}
		page := `<!doctype html><video muted src="` + c.name + `"></video>`
		if err := os.WriteFile(filepath.Join(dir, c.name+".html"), []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(exe), chromedp.Headless,
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("mute-audio", true), chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Flag("disable-dev-shm-usage", true))
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	for _, c := range videoCases {
		t.Run(c.name, func(t *testing.T) {
			if err := chromedp.Do(bctx, chromedp.Navigate(srv.URL+"/"+c.name+".html")); err != nil {
				t.Fatalf("Chromium: %v", err)
			}
			r, err := chromedp.Run(bctx, chromedp.Evaluate[playResult](playScript, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatalf("Chromium: %v", err)
			}
			t.Logf("%+v", r)
			if r.Width == 0 || r.Frames == 0 || r.AudioBytes == 0 || r.Time < 2 || r.Duration < 2.9 || r.Duration > 3.1 {
				t.Errorf("Chromium played %+v: want both tracks decoded, 3 s long, and the seek to 2 s done", r)
			}
		})
	}
}
