package metrics

import "github.com/prometheus/client_golang/prometheus"

var (
	// TimerPending is the number of deadlines a timer scheduler holds.
	TimerPending = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "stockflow_timer_pending_deadlines",
		Help: "Reservation deadlines the timer scheduler holds, not yet fired.",
	})

	// TimerFired counts deadlines fired (first firings only).
	TimerFired = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "stockflow_timer_fired_total",
		Help: "Reservation deadlines the timer scheduler fired (first firings).",
	})

	// TimerLateness observes how late a deadline first fired.
	TimerLateness = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "stockflow_timer_lateness_seconds",
		Help:    "Time from a reservation deadline to its first firing by the timer scheduler.",
		Buckets: []float64{.05, .1, .2, .3, .5, 1, 2, 5, 30, 60, 600, 3600},
	})
)

func init() {
	Registry.MustRegister(TimerPending, TimerFired, TimerLateness)
}
