package e2e_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestOpenAPIDocumentDescribesTheAPI(t *testing.T) {
	s := start(t, t.TempDir())
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			SecuritySchemes map[string]struct {
				Type, Scheme string
			} `json:"securitySchemes"`
		} `json:"components"`
	}
	s.mustCall(http.StatusOK, http.MethodGet, "/openapi.json", nil, &doc)
	for path, method := range map[string]string{
		"/register": "post", "/login": "post", "/products": "get", "/orders": "post",
		"/shops/{shopId}/warehouses": "get", "/warehouses": "get",
		"/warehouses/{warehouseId}/status": "patch", "/warehouses/{warehouseId}/stock": "post",
		"/warehouses/transfer": "post", "/transfers": "get", "/transfers/{transferId}": "get", "/transfers/{transferId}/receive": "post",
	} {
		if _, ok := doc.Paths[path][method]; !ok {
			t.Errorf("OpenAPI lacks %s %s", method, path)
		}
	}
	if b := doc.Components.SecuritySchemes["bearer"]; b.Type != "http" || b.Scheme != "bearer" {
		t.Errorf("bearer security scheme = %+v", b)
	}
	if st, _ := s.call(http.MethodGet, "/docs", nil, nil); st != http.StatusOK {
		t.Errorf("/docs = %d", st)
	}
	if st, body := s.call(http.MethodGet, "/metrics", nil, nil); st != http.StatusOK || !strings.Contains(string(body), "stockflow_http_request_duration_seconds") {
		t.Errorf("/metrics = %d without the request histogram", st)
	}
}
