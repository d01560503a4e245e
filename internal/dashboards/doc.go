// Package dashboards defines the Grafana analytics dashboard over
// ClickHouse as Go: every panel's SQL and the columns it must return sit
// side by side (Panels), the dashboard JSON is generated from them with
// grafana-foundation-sdk (go run ./cmd/dashboards), and tests run every
// query, its Grafana macros expanded (Expand), on ClickHouse 18.16 and on
// a current engine (chdb).
package dashboards
