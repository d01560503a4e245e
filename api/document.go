package api

import (
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// Operation metadata keys read by completeDocument.
const (
	// commandKey marks an operation that produces a Kafka command.
	commandKey = "command"
	// acceptedKey holds the body type of a command's 202 (default acceptedError).
	acceptedKey = "accepted"
)

// command marks an operation that produces a command and waits for its
// outcome: it may answer 202 (queued, outcome late), 404 or 409 (refused
// by the processor) and 503 (not queued: the broker is unreachable).
func command(op huma.Operation) huma.Operation {
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	op.Metadata[commandKey] = true
	op.Errors = append(op.Errors, http.StatusNotFound, http.StatusConflict, http.StatusServiceUnavailable)
	return op
}

// acceptedAs documents body as the body of a command's 202.
func acceptedAs[T any](op huma.Operation) huma.Operation {
	op = command(op)
	op.Metadata[acceptedKey] = reflect.TypeFor[T]()
	return op
}

// completeDocument states the security of public operations and completes
// every operation's responses with the statuses
// the shared machinery can answer, so that the document lists every status
// a client can see:
//   - a request body: 400 (malformed or missing), 413 (too large), 415
//     (not JSON), 422 (invalid);
//   - parameters: 422, and 404 when the path names an entity;
//   - a write (POST, PUT, PATCH): 429 with Retry-After (rate limit);
//   - every operation but liveness: 503 with Retry-After (a table or the
//     broker is unavailable);
//   - a command: 202 with Location;
//   - anything: 500 (a bug), in place of Huma's "default" response.
func completeDocument(api huma.API) {
	oapi := api.OpenAPI()
	errSchema := oapi.Components.Schemas.Schema(reflect.TypeFor[huma.ErrorModel](), true, "ErrorModel")
	for path, item := range oapi.Paths {
		for method, op := range map[string]*huma.Operation{
			http.MethodGet: item.Get, http.MethodPost: item.Post, http.MethodPut: item.Put,
			http.MethodPatch: item.Patch, http.MethodDelete: item.Delete,
		} {
			if op == nil {
				continue
			}
			nullableOptionals(oapi, op)
			if len(op.Security) == 0 {
				// Public: say so, rather than leave security unstated.
				op.Security = []map[string][]string{{}}
			}
			for _, st := range errorStatuses(path, method, op) {
				documentError(op, st, errSchema)
			}
			if op.Metadata[commandKey] == true && op.Responses["202"] == nil {
				documentAccepted(oapi, op)
			}
			// One shape everywhere: an explicit 500 instead of Huma's "default".
			delete(op.Responses, "default")
			documentError(op, http.StatusInternalServerError, errSchema)
		}
	}
}

// errorStatuses are the statuses the shared machinery can answer for op.
func errorStatuses(path, method string, op *huma.Operation) []int {
	var statuses []int
	if op.RequestBody != nil {
		statuses = append(statuses, http.StatusBadRequest, http.StatusRequestEntityTooLarge,
			http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity)
	}
	if len(op.Parameters) > 0 {
		statuses = append(statuses, http.StatusUnprocessableEntity)
	}
	if strings.Contains(path, "{") {
		statuses = append(statuses, http.StatusNotFound)
	}
	if method != http.MethodGet {
		statuses = append(statuses, http.StatusTooManyRequests)
	}
	if op.OperationID != "healthz" {
		statuses = append(statuses, http.StatusServiceUnavailable)
	}
	return statuses
}

// retryAfter documents the Retry-After header of 429 and 503.
var retryAfter = &huma.Param{
	Description: "Seconds to wait before retrying.",
	Schema:      &huma.Schema{Type: huma.TypeInteger, Minimum: ptr(0.0)},
}

// documentError adds a problem+json response for status unless op has one.
func documentError(op *huma.Operation, status int, errSchema *huma.Schema) {
	code := strconv.Itoa(status)
	r := op.Responses[code]
	if r == nil {
		r = &huma.Response{
			Description: http.StatusText(status),
			Content:     map[string]*huma.MediaType{"application/problem+json": {Schema: errSchema}},
		}
		op.Responses[code] = r
	}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		if r.Headers == nil {
			r.Headers = map[string]*huma.Param{}
		}
		r.Headers["Retry-After"] = retryAfter
	}
}

// documentAccepted adds a command's 202: its body and Location.
func documentAccepted(oapi *huma.OpenAPI, op *huma.Operation) {
	body, _ := op.Metadata[acceptedKey].(reflect.Type)
	if body == nil {
		body = reflect.TypeFor[acceptedError]()
	}
	op.Responses["202"] = &huma.Response{
		Description: "Accepted: the command is queued but its outcome is not known yet; poll Location.",
		Headers: map[string]*huma.Param{"Location": {
			Description: "Where to read the result.", Schema: &huma.Schema{Type: huma.TypeString},
		}},
		Content: map[string]*huma.MediaType{"application/json": {
			Schema: oapi.Components.Schemas.Schema(body, true, body.Name()),
		}},
	}
}

// nullableOptionals documents what Huma's validator does: an optional
// property of a request body may be null (it counts as absent).
func nullableOptionals(oapi *huma.OpenAPI, op *huma.Operation) {
	if op.RequestBody == nil {
		return
	}
	for _, mt := range op.RequestBody.Content {
		if mt.Schema == nil {
			continue
		}
		body := mt.Schema
		if body.Ref != "" {
			body = oapi.Components.Schemas.SchemaFromRef(body.Ref)
		}
		if body == nil {
			continue
		}
		for name, p := range body.Properties {
			if p.Ref == "" && !slices.Contains(body.Required, name) {
				p.Nullable = true
			}
		}
	}
}

func ptr[T any](v T) *T { return &v }
