// Package kafka wires goka (sarama) and franz-go to one Kafka cluster with
// the settings stockflow depends on: goka's FNV-1a partitioner on every
// franz-go producer that feeds a goka processor, sarama's oldest-offset
// start and 1 ms flush, LevelDB local storage under one state directory, and
// an embedded kfake broker for development and tests.
package kafka
