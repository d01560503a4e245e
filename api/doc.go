// Package api is stockflow's HTTP ingress, built with Huma: each operation
// validates its input, resolves references against goka views, produces a
// command to Kafka and, where the caller needs the result, waits a bounded
// time for the outcome (answering 202 Accepted with a Location to poll if it
// does not come in time). Errors are RFC 9457 problem+json.
package api
