package api

import (
	"github.com/google/uuid"
)

// idempotencyNamespace derives stable ids from Idempotency-Key headers.
var idempotencyNamespace = uuid.MustParse("5b1c2a3e-6f0d-4f7e-9a52-8f0b1d6c7e21")

// newID returns a fresh UUIDv7, or, when the caller sent an Idempotency-Key,
// an id derived from it and scope (the operation and the caller), so that a
// retry addresses the same entity and the processor deduplicates it.
func newID(scope, idempotencyKey string) string {
	if idempotencyKey == "" {
		return uuid.Must(uuid.NewV7()).String()
	}
	return uuid.NewSHA1(idempotencyNamespace, []byte(scope+"\x00"+idempotencyKey)).String()
}
