package turnserver

import "github.com/prometheus/client_golang/prometheus"

// Why a request or a packet was refused: the reason label of
// webrtc_cli_turn_refused_total.
const (
	reasonExpired     = "expired"      // credentials past their expiry
	reasonCredentials = "credentials"  // wrong password: another secret, or forged
	reasonMalformed   = "malformed"    // a username not of the form EXPIRY:ID
	reasonRealm       = "realm"        // credentials for another realm
	reasonQuotaUser   = "quota_user"   // allocations per credential
	reasonQuotaTotal  = "quota_total"  // allocations in total
	reasonPeerAddress = "peer_address" // loopback, link-local, this machine's own
)

// relayed is one direction's counters, resolved once: a label lookup per
// relayed packet would cost a map access and a lock.
type relayed struct{ bytes, packets prometheus.Counter }

func (r relayed) add(n int) {
	r.bytes.Add(float64(n))
	r.packets.Inc()
}

type metrics struct {
	allocations prometheus.Gauge
	permissions prometheus.Gauge
	dropped     prometheus.Counter
	refused     map[string]prometheus.Counter
	// toPeer is what clients send out through their relays; toClient
	// what comes back.
	toPeer, toClient relayed
}

func newMetrics(reg prometheus.Registerer) *metrics {
	const ns, sub = "webrtc_cli", "turn"
	m := &metrics{
		allocations: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "allocations",
			Help: "TURN allocations (relays) open."}),
		permissions: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "permissions",
			Help: "TURN permissions installed on open allocations."}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "dropped_packets_total",
			Help: "Relayed packets dropped over an allocation's bandwidth limit."}),
		refused: map[string]prometheus.Counter{},
	}
	refused := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "refused_total",
		Help: "TURN requests and relayed packets refused, by reason."}, []string{"reason"})
	bytes := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "relayed_bytes_total",
		Help: "Bytes relayed, by direction."}, []string{"direction"})
	packets := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "relayed_packets_total",
		Help: "Packets relayed, by direction."}, []string{"direction"})
	for _, r := range []string{reasonExpired, reasonCredentials, reasonMalformed, reasonRealm, reasonQuotaUser, reasonQuotaTotal, reasonPeerAddress} {
		m.refused[r] = refused.WithLabelValues(r)
	}
	m.toPeer = relayed{bytes.WithLabelValues("to_peer"), packets.WithLabelValues("to_peer")}
	m.toClient = relayed{bytes.WithLabelValues("to_client"), packets.WithLabelValues("to_client")}
	if reg != nil {
		reg.MustRegister(m.allocations, m.permissions, m.dropped, refused, bytes, packets)
	}
	return m
}

func (m *metrics) refuse(reason string) { m.refused[reason].Inc() }
