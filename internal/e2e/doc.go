// Package e2e holds the integration tests: the whole system (embedded kfake
// broker over TCP on loopback, every goka processor, the HTTP API) started
// in process on a temporary data directory and driven over HTTP.
package e2e
