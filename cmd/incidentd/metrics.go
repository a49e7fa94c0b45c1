package main

import "github.com/prometheus/client_golang/prometheus"

// metrics are counters only: no label ever carries a person's identifier,
// contact detail or message content.
type metrics struct {
	registry   *prometheus.Registry
	events     *prometheus.CounterVec
	deliveries *prometheus.CounterVec
	notices    prometheus.Counter
	jobs       prometheus.Counter
	jobSeconds prometheus.Histogram
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
		jobs: prometheus.NewCounter(prometheus.CounterOpts{Name: "herald_delivery_jobs_queued_total",
			Help: "Delivery jobs put on the notifications topic (one per person, again after a late failure)."}),
		jobSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "herald_delivery_job_seconds",
			Help:    "Time from a delivery job being queued to the person's final, recorded outcome.",
			Buckets: prometheus.ExponentialBuckets(0.005, 4, 10)}),
	}
	m.registry.MustRegister(m.events, m.deliveries, m.notices, m.jobs, m.jobSeconds,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) outcome(outcome, channel string) {
	if channel == "" {
		channel = "none"
	}
	m.deliveries.WithLabelValues(outcome, channel).Inc()
}

func (m *metrics) queued(n int) { m.jobs.Add(float64(n)) }
