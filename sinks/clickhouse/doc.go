// Package clickhouse is the analytics sink: a franz-go consumer of the
// stock-movements topic that writes every movement to ClickHouse's
// stock_movements table in batched native inserts, committing Kafka offsets
// only after ClickHouse has stored the batch. A redelivered movement is
// skipped by its level's version (and collapsed by ReplacingMergeTree if
// one slips through), so totals stay exact across crashes; a movement that
// cannot be decoded is dead-lettered. The table's schema and migrations
// live in deploy/clickhouse; docs/architecture.md (Analytics) argues the
// exactness.
package clickhouse
