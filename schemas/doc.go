// Package schemas holds stockflow's wire contract: Protocol Buffers files
// under proto/ (the language-neutral source of truth, linted by buf), the Go
// code generated from them in stockflowv1 (run `make generate`), and one
// codec per message type for goka and franz-go.
package schemas
