package metrics

import "github.com/prometheus/client_golang/prometheus"

// Fault metrics: how parts ride out broker outages.
var (
	// PartRestarts counts restarts of a part (processor/<group>,
	// view/<name>/<table>) after it stopped with an error.
	PartRestarts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stockflow_part_restarts_total",
		Help: "Restarts of a goka processor or view after it stopped with an error (for example when the brokers went away), by part.",
	}, []string{"part"})

	// PartUp is 1 while a part runs and 0 while it waits to restart.
	PartUp = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "stockflow_part_up",
		Help: "1 while a goka processor or view runs, 0 while it waits to be restarted, by part.",
	}, []string{"part"})
)

func init() {
	Registry.MustRegister(PartRestarts, PartUp)
}
