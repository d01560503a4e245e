package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
)

// DocumentPath is where the committed OpenAPI document lives, relative to
// the repository root (written by `make openapi`).
const DocumentPath = "docs/openapi.json"

// Document returns the OpenAPI 3.1 document the server serves at
// /openapi.json, indented for review. It needs no running system.
func Document() ([]byte, error) {
	rec := httptest.NewRecorder()
	NewHandler(Deps{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/openapi.json", nil))
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("GET /openapi.json = %d", rec.Code)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, rec.Body.Bytes(), "", "  "); err != nil {
		return nil, fmt.Errorf("indent the OpenAPI document: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}
