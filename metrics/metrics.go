// Package metrics defines dutybot's Prometheus collectors, registered on a
// registry the caller owns (no global state).
package metrics

import "github.com/prometheus/client_golang/prometheus"

// Metrics holds every collector the services update.
type Metrics struct {
	AlertsCreated prometheus.Counter
	MessagesSent  prometheus.Counter
	// Pushes counts new messages delivered to officials by kind (call,
	// remind, notice, info…) and topic (agenda, brief, witness…): the
	// noise each feature makes, measured like speed.
	Pushes         *prometheus.CounterVec
	MessagesFailed prometheus.Counter
	RateLimited    prometheus.Counter
	Retries        prometheus.Counter
	Acks           prometheus.Counter
	Escalations    *prometheus.CounterVec
	AckLatency     prometheus.Histogram
	DeadlineLate   prometheus.Histogram
	UpdatesHandled prometheus.Counter
	HandlerPanics  prometheus.Counter
	QueueLength    prometheus.Gauge
	// Quarantined counts records moved aside because they could not be
	// used (they do not decode, or their deadline could not be fired),
	// by the bucket they came from.
	Quarantined *prometheus.CounterVec
	// FlowsStarted, FlowsExpired and FlowsCancelled count the bot's
	// step-by-step conversations by flow: how many are begun, abandoned
	// until they expire, or cancelled.
	FlowsStarted, FlowsExpired, FlowsCancelled *prometheus.CounterVec
	// Takeovers counts the times this instance took the engine lease of a
	// shared database; Leader is 1 while it runs the engine.
	Takeovers prometheus.Counter
	Leader    prometheus.Gauge
	// PaidMessages counts messages Telegram accepted with paid broadcast
	// (0.1 Star each); PaidRefused the refusals for lack of Stars, after
	// which the bot keeps to the free pace for a while.
	PaidMessages prometheus.Counter
	PaidRefused  prometheus.Counter
	// RecordBatch is how many deliveries one transaction recorded.
	RecordBatch prometheus.Histogram
}

// New creates the collectors and registers them on reg (nil: not registered).
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		AlertsCreated: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dutybot_alerts_created_total", Help: "叫应 alerts created."}),
		MessagesSent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dutybot_messages_sent_total", Help: "Messages and edits accepted by Telegram."}),
		Pushes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dutybot_pushes_total", Help: "New messages (not edits) delivered, by kind and topic."}, []string{"kind", "topic"}),
		MessagesFailed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dutybot_messages_failed_total", Help: "Messages given up on (blocked, bad request, retries exhausted)."}),
		RateLimited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dutybot_messages_rate_limited_total", Help: "429 answers from Telegram."}),
		Retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dutybot_messages_retried_total", Help: "Sends retried after a 5xx, timeout or network error."}),
		Acks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dutybot_acks_total", Help: "Acknowledgements recorded (including escalation targets taking over)."}),
		Escalations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dutybot_escalations_total", Help: "Escalation steps taken, by action."}, []string{"action"}),
		AckLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "dutybot_ack_latency_seconds", Help: "Time from delivery of an alert to its acknowledgement.",
			Buckets: []float64{5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200}}),
		Takeovers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dutybot_ha_takeovers_total", Help: "Times this instance took the engine lease and started the engine."}),
		Leader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dutybot_ha_leader", Help: "1 while this instance runs the engine, 0 while it stands by."}),
		PaidMessages: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dutybot_paid_messages_total", Help: "Messages sent with paid broadcast (0.1 Telegram Star each)."}),
		PaidRefused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dutybot_paid_refused_total", Help: "Paid messages Telegram refused for lack of Stars (the bot fell back to the free pace)."}),
		RecordBatch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "dutybot_outbox_record_batch_size", Help: "Deliveries recorded by one transaction.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512}}),
		DeadlineLate: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "dutybot_deadline_lateness_seconds", Help: "How late escalation deadlines fired.",
			Buckets: []float64{.001, .005, .01, .05, .1, .5, 1, 5, 30}}),
		UpdatesHandled: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dutybot_updates_handled_total", Help: "Telegram updates handled."}),
		HandlerPanics: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dutybot_handler_panics_total", Help: "Update handlers that panicked and were recovered."}),
		QueueLength: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dutybot_outbox_length", Help: "Messages waiting in the outgoing queue."}),
		Quarantined: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dutybot_quarantined_total", Help: "Records moved to quarantine because they could not be used, by the bucket they came from."}, []string{"bucket"}),
		FlowsStarted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dutybot_flows_started_total", Help: "Step-by-step chat flows started, by flow."}, []string{"flow"}),
		FlowsExpired: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dutybot_flows_expired_total", Help: "Chat flows that expired untouched and were told so, by flow."}, []string{"flow"}),
		FlowsCancelled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dutybot_flows_cancelled_total", Help: "Chat flows ended with /cancel, by flow."}, []string{"flow"}),
	}
	if reg != nil {
		reg.MustRegister(m.AlertsCreated, m.MessagesSent, m.Pushes, m.MessagesFailed, m.RateLimited, m.Retries,
			m.Acks, m.Escalations, m.AckLatency, m.DeadlineLate, m.Takeovers, m.Leader, m.UpdatesHandled, m.HandlerPanics, m.QueueLength,
			m.Quarantined, m.FlowsStarted, m.FlowsExpired, m.FlowsCancelled, m.PaidMessages, m.PaidRefused, m.RecordBatch)
	}
	return m
}
