package whip

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A failed request says what to do: trust the certificate, or use the
// other scheme.
func TestClientTLSHints(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) })
	tlsSrv := httptest.NewTLSServer(ok)
	defer tlsSrv.Close()
	plain := httptest.NewServer(ok)
	defer plain.Close()
	tests := []struct {
		name, url, want string
	}{
		{"untrusted certificate", tlsSrv.URL + "/whip", "pass --ca FILE with the endpoint's certificate or its CA, --pin-sha256 with its fingerprint"},
		{"http:// to a TLS endpoint", "http://" + strings.TrimPrefix(tlsSrv.URL, "https://") + "/whip", "this endpoint speaks TLS: use https://"},
		{"https:// to a plain endpoint", "https://" + strings.TrimPrefix(plain.URL, "http://") + "/whip", "this endpoint does not speak TLS: use http://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := (&Client{Endpoint: tt.url, Kind: WHIP}).Offer(t.Context(), testOffer)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v; want it to say %q", err, tt.want)
			}
		})
	}
}
