package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

type healthOutput struct {
	Body struct {
		Status       string        `json:"status" example:"ok" doc:"ok (healthz); ready, or degraded when a dependency is missing but the API still serves (readyz)."`
		Dependencies *Dependencies `json:"dependencies,omitempty"`
	}
}

func (s *server) registerHealth(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "healthz", Method: http.MethodGet, Path: "/healthz",
		Summary: "Liveness: the process serves HTTP", Tags: []string{"Operations"},
	}, func(context.Context, *struct{}) (*healthOutput, error) {
		out := &healthOutput{}
		out.Body.Status = "ok"
		return out, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "readyz", Method: http.MethodGet, Path: "/readyz",
		Summary: "Readiness: views are caught up and processors running", Tags: []string{"Operations"},
	}, func(context.Context, *struct{}) (*healthOutput, error) {
		var deps *Dependencies
		if s.Dependencies != nil {
			deps = s.Dependencies()
		}
		if deps != nil && deps.Kafka.Unready {
			return nil, huma.Error503ServiceUnavailable("not ready: Kafka is unreachable: " + deps.Kafka.Error)
		}
		if s.Ready != nil && !s.Ready() {
			if deps != nil && !deps.Kafka.Reachable && !deps.Kafka.CheckedAt.IsZero() {
				return nil, huma.Error503ServiceUnavailable("not ready: tables are not caught up and Kafka is unreachable: " + deps.Kafka.Error)
			}
			return nil, huma.Error503ServiceUnavailable("not ready: tables are still being restored from Kafka")
		}
		out := &healthOutput{}
		out.Body.Status = "ready"
		if deps.Degraded() {
			out.Body.Status = "degraded"
		}
		out.Body.Dependencies = deps
		return out, nil
	})
}
