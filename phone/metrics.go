package phone

import "github.com/prometheus/client_golang/prometheus"

// Metrics count what 电话叫应 does and costs.
type Metrics struct {
	// Placed counts calls and texts the provider took, by kind: what a
	// town pays for.
	Placed *prometheus.CounterVec
	// Results counts what became of them, by kind and result (pressed,
	// answered, no_answer, held, refused…).
	Results *prometheus.CounterVec
	// Delay is the time from a step falling due to the provider request.
	Delay prometheus.Histogram
	// Refused counts callbacks refused, by reason.
	Refused *prometheus.CounterVec
}

// NewMetrics creates the collectors and registers them on reg (nil: not
// registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Placed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dutybot_phone_placed_total", Help: "Calls and text messages the phone provider took, by kind (call, sms)."}, []string{"kind"}),
		Results: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dutybot_phone_results_total", Help: "What became of calls and text messages, by kind and result."}, []string{"kind", "result"}),
		Delay: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "dutybot_phone_request_delay_seconds", Help: "Time from a call or sms step falling due to the request to the provider.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}),
		Refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dutybot_phone_callbacks_refused_total", Help: "Provider callbacks refused, by reason."}, []string{"reason"}),
	}
	if reg != nil {
		reg.MustRegister(m.Placed, m.Results, m.Delay, m.Refused)
	}
	return m
}
