package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/stockflow/stockflow/api"
)

func TestReadyzSaysWhichProcessorsRun(t *testing.T) {
	cases := []struct {
		name    string
		groups  func(context.Context) (map[string]int, error)
		status  int
		verdict string
	}{
		{"groups_unknown", nil, http.StatusOK, "ready"},
		{"every_processor_runs", func(context.Context) (map[string]int, error) { return map[string]int{"stock": 2, "orders": 1}, nil }, http.StatusOK, "ready"},
		{"a_processor_has_no_instance", func(context.Context) (map[string]int, error) { return map[string]int{"stock": 2, "orders": 0}, nil }, http.StatusOK, "degraded"},
		{"kafka_unreachable", func(context.Context) (map[string]int, error) { return nil, errors.New("no brokers") }, http.StatusServiceUnavailable, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, func(d *api.Deps) { d.Groups = c.groups })
			resp := f.do(http.MethodGet, "/readyz")
			if c.status != http.StatusOK {
				checkProblem(t, f, http.MethodGet, "/readyz", resp, c.status)
				return
			}
			raw, _ := io.ReadAll(resp.Body)
			var body struct {
				Status string `json:"status"`
				Groups []struct {
					Group   string `json:"group"`
					Members int    `json:"members"`
				} `json:"groups"`
			}
			if resp.StatusCode != c.status || json.Unmarshal(raw, &body) != nil || body.Status != c.verdict {
				t.Fatalf("/readyz = %d %s, want %d %q", resp.StatusCode, raw, c.status, c.verdict)
			}
			if c.groups != nil && (len(body.Groups) != 2 || body.Groups[0].Group != "orders") {
				t.Fatalf("groups %s, want both, sorted", raw)
			}
		})
	}
}
