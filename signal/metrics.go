package signal

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are one server's Prometheus series. Each server has its own
// registry so that tests can run many servers in one process.
type metrics struct {
	registry     *prometheus.Registry
	connections  prometheus.Gauge
	rooms        prometheus.Gauge
	peers        prometheus.Gauge
	relayed      *prometheus.CounterVec
	errors       *prometheus.CounterVec
	joins        prometheus.Counter
	resumes      prometheus.Counter
	slowDrops    prometheus.Counter
	queueDrops   prometheus.Counter
	queueBytes   prometheus.Gauge
	perIPRefused prometheus.Counter

	// With --redis.
	clusterPeers   prometheus.Gauge
	redisPublished prometheus.Counter
	redisReceived  prometheus.Counter
	redisLatency   prometheus.Histogram
	redisErrors    prometheus.Counter

	// Resolved once: a label lookup per relayed message would cost a map
	// access and a lock on the hot path.
	relayedBy map[string]prometheus.Counter
	errorsBy  map[string]prometheus.Counter
}

var relayTypes = []string{TypeOffer, TypeAnswer, TypeCandidate, TypeBye}

var errorCodes = []string{
	CodeBadJSON, CodeBadMessage, CodeUnknownType, CodeNotJoined, CodeAlreadyJoined,
	CodeUnknownPeer, CodeRoomFull, CodeUnauthorized, CodeRateLimited, CodeTooLarge, CodeServerFull, CodeUnavailable,
}

func newMetrics() *metrics {
	const ns = "webrtc_cli"
	m := &metrics{
		registry: prometheus.NewRegistry(),
		connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Name: "connections", Help: "Open WebSocket connections.",
		}),
		rooms: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Name: "rooms", Help: "Rooms with at least one peer.",
		}),
		peers: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Name: "peers", Help: "Peers in rooms, including those inside their resume window.",
		}),
		relayed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "messages_relayed_total", Help: "Messages relayed between peers, by type.",
		}, []string{"type"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "errors_total", Help: "Protocol errors sent to clients, by code.",
		}, []string{"code"}),
		joins: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Name: "joins_total", Help: "Successful joins, resumed ones included.",
		}),
		resumes: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Name: "resumes_total", Help: "Sessions resumed on a new connection.",
		}),
		slowDrops: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Name: "slow_consumers_dropped_total", Help: "Connections closed because their send queue overflowed.",
		}),
		queueDrops: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Name: "resume_queue_dropped_total", Help: "Messages dropped because a disconnected peer's resume queue, or all resume queues together, were full.",
		}),
		queueBytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Name: "resume_queue_bytes", Help: "Bytes held for disconnected peers inside their resume window.",
		}),
		perIPRefused: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Name: "per_ip_refused_total", Help: "WebSocket upgrades refused with HTTP 429 because the client address had its connection limit.",
		}),
		clusterPeers: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Name: "cluster_peers", Help: "Peers of other instances in the rooms of this one's peers (--redis).",
		}),
		redisPublished: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Name: "redis_published_total", Help: "Messages this instance published to other instances through Redis.",
		}),
		redisReceived: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Name: "redis_received_total", Help: "Messages this instance received from other instances through Redis.",
		}),
		redisLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: ns, Name: "redis_roundtrip_seconds", Help: "Round trips of this instance's ordered Redis pipeline.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}),
		redisErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Name: "redis_errors_total", Help: "Redis commands, heartbeats and subscriptions that failed.",
		}),
		relayedBy: map[string]prometheus.Counter{},
		errorsBy:  map[string]prometheus.Counter{},
	}
	m.registry.MustRegister(m.connections, m.rooms, m.peers, m.relayed, m.errors,
		m.joins, m.resumes, m.slowDrops, m.queueDrops, m.queueBytes, m.perIPRefused,
		m.clusterPeers, m.redisPublished, m.redisReceived, m.redisLatency, m.redisErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, t := range relayTypes {
		m.relayedBy[t] = m.relayed.WithLabelValues(t)
	}
	for _, c := range errorCodes {
		m.errorsBy[c] = m.errors.WithLabelValues(c)
	}
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Registerer is where the series of what runs beside the server (its TURN
// server) go, to be served on its /metrics.
func (s *Server) Registerer() prometheus.Registerer { return s.metrics.registry }
