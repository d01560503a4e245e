package metrics

import "github.com/prometheus/client_golang/prometheus"

// Fault metrics: how parts ride out broker outages, and what the API knows
// about the consumer groups it depends on.
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

	// GroupMembers is the member count of each consumer group the API
	// depends on, as the API last saw it.
	GroupMembers = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "stockflow_consumer_group_members",
		Help: "Members of a processor's consumer group, as seen by the API's health probe (0: nobody processes its commands).",
	}, []string{"group"})

	// GroupLag is the summed lag (messages not yet processed) of each
	// consumer group the API depends on.
	GroupLag = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "stockflow_consumer_group_lag",
		Help: "Messages a processor's consumer group has yet to process, summed over its input partitions, as seen by the API's health probe.",
	}, []string{"group"})

	// KafkaReachable is 1 when the API's last health probe reached Kafka.
	KafkaReachable = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "stockflow_kafka_reachable",
		Help: "1 when the API's last health probe could describe the consumer groups on Kafka, else 0.",
	})
)

func init() {
	Registry.MustRegister(PartRestarts, PartUp, GroupMembers, GroupLag, KafkaReachable)
}
