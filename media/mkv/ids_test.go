package mkv

import "strings"

// idOf maps the SDP codec names of the test tables to Matroska codec IDs;
// an unknown name stays as it is, for the package to refuse.
func idOf(name string) string {
	switch strings.ToLower(name) {
	case "vp8":
		return idVP8
	case "vp9":
		return idVP9
	case "av1":
		return idAV1
	case "h264":
		return idH264
	case "opus":
		return idOpus
	}
	return name
}
