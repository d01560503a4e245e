package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

type healthOutput struct {
	Body struct {
		Status string `json:"status" example:"ok"`
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
		if s.Ready != nil && !s.Ready() {
			return nil, huma.Error503ServiceUnavailable("not ready: tables are still being restored from Kafka")
		}
		out := &healthOutput{}
		out.Body.Status = "ready"
		return out, nil
	})
}
