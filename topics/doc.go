// Package topics names every Kafka stream, group and table of stockflow once,
// as typed values, with its partitioning and retention, and creates them.
//
// Input streams and group tables share one partition count: goka requires a
// processor's inputs and its table to be co-partitioned, and franz-go
// producers use goka's hasher (see package kafka) so that a key lands on the
// same partition number in every topic.
package topics
