// Package metrics declares stockflow's Prometheus metrics in one registry,
// served on /metrics by every process.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Registry holds every stockflow metric plus Go runtime and process metrics.
var Registry = prometheus.NewRegistry()

var (
	// HTTPDuration observes API request latency by operation and status.
	HTTPDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "stockflow_http_request_duration_seconds",
		Help:    "HTTP request latency by operation and status code.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"operation", "status"})

	// CommandsProduced counts commands the API wrote to Kafka, by topic and result.
	CommandsProduced = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stockflow_commands_produced_total",
		Help: "Commands produced to Kafka by the API, by topic and result (ok|error).",
	}, []string{"topic", "result"})

	// GroupMembers is how many members each processor's consumer group has,
	// as the API sees it (0: no instance of that processor runs).
	GroupMembers = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "stockflow_consumer_group_members",
		Help: "Members of each processor's consumer group, as seen by the API (0: the processor is not running).",
	}, []string{"group"})

	// OutcomeWaits counts how waits for an outcome ended (answered|timeout|not_queued).
	OutcomeWaits = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stockflow_outcome_waits_total",
		Help: "Waits for a processor outcome, by how they ended (answered|timeout|not_queued).",
	}, []string{"result"})

	// ProcessorMessages counts messages handled by processors, by group, topic and result.
	ProcessorMessages = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stockflow_processor_messages_total",
		Help: "Messages handled by goka processors, by group, input topic and result (ok|dead_letter).",
	}, []string{"group", "topic", "result"})

	// StockDecisions counts stock rule verdicts by command and status.
	StockDecisions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stockflow_stock_decisions_total",
		Help: "Stock processor verdicts by command (reserve|release|commit|adjust|transfer_out|transfer_in) and status.",
	}, []string{"command", "status"})

	// RelayOutputs counts replies, movements and alerts the stock relay published.
	RelayOutputs = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "stockflow_stock_relay_outputs_total",
		Help: "Replies, movements and alerts published by the stock relay from the stock changelog.",
	})

	// RelayRetries counts failed publishes or commits the stock relay retried.
	RelayRetries = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "stockflow_stock_relay_retries_total",
		Help: "Publishes or offset commits of the stock relay that failed and were retried.",
	})

	// StaleChangelogRecords counts changelog records skipped because the
	// table's local copy already held a newer value (a replaced instance's
	// late write).
	StaleChangelogRecords = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stockflow_stale_changelog_records_total",
		Help: "Changelog records skipped by a restore or a view because the stored value was newer (a replaced instance's late write), by table.",
	}, []string{"table"})

	// ReconcileMismatches is how many stock levels disagreed with the orders
	// over two reconciliation passes.
	ReconcileMismatches = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "stockflow_reconcile_mismatched_levels",
		Help: "Stock levels whose reserved differed from what orders hold there in two consecutive reconciliation passes.",
	})

	// OrdersFinished counts orders reaching a decided status.
	OrdersFinished = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stockflow_orders_total",
		Help: "Orders reaching a status (reserved|rejected|paid|cancelled|expired).",
	}, []string{"status"})

	// TransfersFinished counts transfers reaching a decided status.
	TransfersFinished = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stockflow_transfers_total",
		Help: "Transfers reaching a status (in_transit|completed|rejected).",
	}, []string{"status"})
)

func init() {
	Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		HTTPDuration, CommandsProduced, OutcomeWaits, GroupMembers, ProcessorMessages, StockDecisions, OrdersFinished, RelayOutputs, RelayRetries, StaleChangelogRecords, ReconcileMismatches,
		TransfersFinished,
	)
}

// Handler serves the registry in the Prometheus exposition format.
func Handler() http.Handler {
	return promhttp.HandlerFor(Registry, promhttp.HandlerOpts{Registry: Registry})
}
