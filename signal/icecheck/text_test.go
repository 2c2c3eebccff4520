package icecheck

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
)

func sampleResult() *Result {
	return &Result{
		Host: []string{"192.168.1.10"},
		Servers: []ServerResult{
			{URL: "stun:127.0.0.1:3478", Type: "stun", Transport: "udp", OK: true, RTTMillis: 0.412, Srflx: "127.0.0.1:50123"},
			{URL: "turn:127.0.0.1:3478?transport=udp", Type: "turn", Transport: "udp", OK: true, RTTMillis: 0.61, Srflx: "127.0.0.1:50124", Relay: "127.0.0.1:50200"},
			{URL: "turn:127.0.0.1:3479?transport=udp", Type: "turn", Transport: "udp", Code: 401, Error: "unauthorized: wrong username or password, or expired credentials"},
		},
		NAT: NAT{Mapping: MappingNoNAT, Detail: "the servers see this machine's own address 127.0.0.1:50125"},
	}
}

func TestICEWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := sampleResult().WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `stun:127.0.0.1:3478                ok    rtt 0.4 ms  srflx 127.0.0.1:50123
turn:127.0.0.1:3478?transport=udp  ok    rtt 0.6 ms  srflx 127.0.0.1:50124  relay 127.0.0.1:50200
turn:127.0.0.1:3479?transport=udp  FAIL  401 unauthorized: wrong username or password, or expired credentials
host                               192.168.1.10
nat                                no-nat: the servers see this machine's own address 127.0.0.1:50125
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// The JSON form is a contract: these keys, always present.
func TestICEResultJSON(t *testing.T) {
	j, err := json.Marshal(sampleResult())
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Host    []string                     `json:"host"`
		Servers []map[string]json.RawMessage `json:"servers"`
		NAT     map[string]string            `json:"nat"`
	}
	if err := json.Unmarshal(j, &m); err != nil {
		t.Fatal(err)
	}
	wantKeys := []string{"code", "error", "ok", "relay", "rtt_ms", "srflx", "transport", "type", "url"}
	for _, s := range m.Servers {
		var keys []string
		for k := range s {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, wantKeys) {
			t.Errorf("server keys %v, want %v", keys, wantKeys)
		}
	}
	if m.NAT["mapping"] != MappingNoNAT || m.NAT["detail"] == "" || len(m.Host) != 1 {
		t.Errorf("JSON %s", j)
	}
	empty, _ := json.Marshal(&Result{Host: hostAddrs()})
	if !bytes.Contains(empty, []byte(`"host":[`)) {
		t.Errorf("no host list: %s", empty)
	}
}
