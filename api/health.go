package api

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

type healthOutput struct {
	Body struct {
		Status string `json:"status" example:"ok"`
	}
}

// GroupHealth is one processor's consumer group as the API sees it.
type GroupHealth struct {
	Group   string `json:"group" example:"stock"`
	Members int    `json:"members" doc:"Running instances; 0 means commands for it wait in Kafka."`
}

type readyOutput struct {
	Body struct {
		Status string        `json:"status" enum:"ready,degraded" doc:"degraded: the API serves, but some processor has no running instance, so its commands answer 202 and wait."`
		Groups []GroupHealth `json:"groups,omitempty" doc:"The processors' consumer groups, when the API can see them."`
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
		Summary:     "Readiness: views are caught up and Kafka is reachable",
		Description: "503 while tables restore or Kafka cannot be reached; 200 \"degraded\" naming the processors with no running instance.",
		Tags:        []string{"Operations"},
	}, s.readyz)
}

func (s *server) readyz(ctx context.Context, _ *struct{}) (*readyOutput, error) {
	if s.Ready != nil && !s.Ready() {
		return nil, huma.Error503ServiceUnavailable("not ready: tables are still being restored from Kafka")
	}
	out := &readyOutput{}
	out.Body.Status = "ready"
	if s.Groups == nil {
		return out, nil
	}
	members, err := s.Groups(ctx)
	if err != nil {
		return nil, huma.Error503ServiceUnavailable("not ready: Kafka cannot be reached")
	}
	var idle []string
	for g, n := range members {
		out.Body.Groups = append(out.Body.Groups, GroupHealth{Group: g, Members: n})
		if n == 0 {
			idle = append(idle, g)
		}
	}
	slices.SortFunc(out.Body.Groups, func(a, b GroupHealth) int { return strings.Compare(a.Group, b.Group) })
	if len(idle) > 0 {
		out.Body.Status = "degraded"
	}
	return out, nil
}
