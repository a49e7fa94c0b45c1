package main

import "github.com/prometheus/client_golang/prometheus"

// metrics are counters only: no label ever carries a person's identifier,
// contact detail or message content.
type metrics struct {
	registry   *prometheus.Registry
	events     *prometheus.CounterVec
	deliveries *prometheus.CounterVec
	notices    prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "herald_events_total",
			Help: "Incident events by result (applied, duplicate, invalid)."}, []string{"result"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "herald_subject_outcomes_total",
			Help: "Final outcomes of people to be told, by outcome and channel."}, []string{"outcome", "channel"}),
		notices: prometheus.NewCounter(prometheus.CounterOpts{Name: "herald_notices_published_total",
			Help: "Public Security Notice revisions published."}),
	}
	m.registry.MustRegister(m.events, m.deliveries, m.notices,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) outcome(outcome, channel string) {
	if channel == "" {
		channel = "none"
	}
	m.deliveries.WithLabelValues(outcome, channel).Inc()
}
