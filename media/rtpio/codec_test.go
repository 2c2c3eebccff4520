package rtpio

import "github.com/webrtc-cli/webrtc-cli/media"

// codecOf names a codec for the tables of these tests; a name media does
// not know gives a codec this package must refuse.
func codecOf(name string) *media.Codec {
	c, err := media.CodecByName(name)
	if err != nil {
		return &media.Codec{Name: name}
	}
	return c
}
