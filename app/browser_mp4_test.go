package app

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media"
)

// Chromium plays an H264+Opus MP4 that receive recorded, in a <video>, to
// its end: "ended" fires, and the duration it reads is the source's
// within 0.1 s.
func TestBrowserPlaysMP4(t *testing.T) {
	ctx := testContext(t, 90*time.Second)
	b := newBrowser(t, ctx, false)
	rec := recordMP4(t, media.FormatMP4, testdata("h264.h264"), testdata("opus-stereo.ogg"))
	dir := t.TempDir()
	if err := os.Rename(rec, filepath.Join(dir, "recording.mp4")); err != nil {
		t.Fatal(err)
	}
	page := `<!doctype html><video muted src="recording.mp4"></video>`
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	p := b.open(t, "mp4", srv.URL+"/index.html")
	raw, err := p.eval(`new Promise((resolve, reject) => {
	  const v = document.querySelector('video');
	  v.onerror = () => reject('media error ' + v.error.code + ': ' + v.error.message);
	  v.onended = () => resolve({duration: v.duration, time: v.currentTime, ended: v.ended,
	    frames: v.getVideoPlaybackQuality().totalVideoFrames, audioBytes: v.webkitAudioDecodedByteCount});
	  v.play().catch(reject);
	})`)
	if err != nil {
		p.fatalf("playing the MP4: %v", err)
	}
	var r struct {
		Duration, Time     float64
		Ended              bool
		Frames, AudioBytes int
	}
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		t.Fatal(err)
	}
	want := float64(len(framemd5(t, testdata("h264.h264"), "v:0"))) / sourceFPS(t, testdata("h264.h264"))
	t.Logf("Chromium: %+v; source %.3f s", r, want)
	if !r.Ended || math.Abs(r.Duration-want) > 0.1 || r.Frames == 0 || r.AudioBytes == 0 {
		t.Errorf("Chromium played %+v: want it to end, both tracks decoded, duration %.3f ± 0.1 s", r, want)
	}
}
