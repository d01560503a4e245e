package clickhouse

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stockflow/stockflow/internal/metrics"
)

var (
	rowsWritten = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "stockflow_sink_rows_written_total",
		Help: "Stock movements the ClickHouse sink stored.",
	})
	duplicatesSkipped = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "stockflow_sink_duplicates_skipped_total",
		Help: "Movements the ClickHouse sink skipped because their version was already stored (redeliveries).",
	})
	batchDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "stockflow_sink_batch_duration_seconds",
		Help:    "Time to store one batch in ClickHouse and commit its offsets, retries included.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	})
	lagRecords = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "stockflow_sink_lag_records",
		Help: "Movements in stock-movements not yet stored by the ClickHouse sink (assigned partitions, as of the last fetch).",
	})
	lagSeconds = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "stockflow_sink_lag_seconds",
		Help: "Age of the newest movement of the last stored batch when it was stored (movement time to queryable).",
	})
	failures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stockflow_sink_failures_total",
		Help: "ClickHouse sink failures by stage (insert|dedup|repair|commit|dead_letter|poison).",
	}, []string{"stage"})
)

func init() {
	metrics.Registry.MustRegister(rowsWritten, duplicatesSkipped, batchDuration, lagRecords, lagSeconds, failures)
}
