package mediatest

import "testing"

// HeaderCase is a frame and what a codec package (media/vp8, vp9, av1)
// must read from its headers.
type HeaderCase struct {
	Name  string
	Frame []byte
	W, H  int  // the picture size, if Sized
	Sized bool // FrameSize's ok
	Key   bool // IsKeyframe
}

// CheckHeaders runs a codec package's FrameSize and IsKeyframe on every
// case.
func CheckHeaders(t *testing.T, frameSize func([]byte) (w, h int, ok bool), isKeyframe func([]byte) bool, cases []HeaderCase) {
	t.Helper()
	for _, c := range cases {
		w, h, ok := frameSize(c.Frame)
		if ok != c.Sized || ok && (w != c.W || h != c.H) {
			t.Errorf("%s: FrameSize = %d, %d, %v; want %d, %d, %v", c.Name, w, h, ok, c.W, c.H, c.Sized)
		}
		if got := isKeyframe(c.Frame); got != c.Key {
			t.Errorf("%s: IsKeyframe = %v, want %v", c.Name, got, c.Key)
		}
	}
}
