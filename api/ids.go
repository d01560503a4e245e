package api

import (
	"github.com/danielgtaylor/huma/v2"
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

// idPattern is what every entity id in a path, query or body must match:
// 1 to 64 letters, digits, '-' or '_' (UUIDs and readable demo ids alike).
const idPattern = "^[A-Za-z0-9_-]{1,64}$"

// ID is an entity id read from a request. Declaring request fields as ID
// gives each the one id pattern in the OpenAPI document and its validation.
type ID string

// Schema gives an ID its pattern (huma.SchemaProvider).
func (ID) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, Pattern: idPattern}
}
