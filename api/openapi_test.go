package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/stockflow/stockflow/api"
	"github.com/stockflow/stockflow/internal/auth"
)

// TestCommittedOpenAPIDocumentIsWhatTheServerServes fails when
// docs/openapi.json is stale: run `make openapi` and commit the result.
func TestCommittedOpenAPIDocumentIsWhatTheServerServes(t *testing.T) {
	committed, err := os.ReadFile(filepath.Join("..", api.DocumentPath))
	if err != nil {
		t.Fatalf("%v (run make openapi)", err)
	}
	tokens, _ := auth.NewTokens([]byte(testKey), time.Hour)
	srv := httptest.NewServer(api.NewHandler(api.Deps{Tokens: tokens, WaitTimeout: time.Second}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var a, b any
	if err := json.Unmarshal(committed, &a); err != nil {
		t.Fatalf("%s: %v", api.DocumentPath, err)
	}
	if err := json.Unmarshal(served, &b); err != nil {
		t.Fatalf("served document: %v", err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("%s differs from the served /openapi.json: run make openapi and commit it", api.DocumentPath)
	}
}

// TestEveryOperationDocumentsSecurityAndErrors checks the document's
// promises: a security statement, problem+json errors and a 500 on every
// operation, 401 on protected ones, 403 on admin ones.
func TestEveryOperationDocumentsSecurityAndErrors(t *testing.T) {
	f := newFixture(t)
	for path, item := range f.api.OpenAPI().Paths {
		for method, o := range map[string]*huma.Operation{"GET": item.Get, "POST": item.Post, "PUT": item.Put, "PATCH": item.Patch} {
			if o == nil {
				continue
			}
			t.Run(method+path, func(t *testing.T) {
				if len(o.Security) == 0 {
					t.Error("no security stated")
				}
				if o.Responses["500"] == nil || o.Responses["default"] != nil {
					t.Error("500 not documented (or a vague default)")
				}
				protected := len(o.Security) == 1 && len(o.Security[0]) > 0
				if protected && o.Responses["401"] == nil {
					t.Error("protected without 401")
				}
				if o.Metadata["role"] == "admin" && o.Responses["403"] == nil {
					t.Error("admin-only without 403")
				}
				if method != "GET" && o.Responses["429"] == nil {
					t.Error("a write without 429")
				}
				for code, r := range o.Responses {
					if code[0] >= '4' && r.Content["application/problem+json"] == nil && r.Content["application/json"] == nil {
						t.Errorf("%s has no error body", code)
					}
				}
			})
		}
	}
}

// TestOptionalRequestPropertiesAreNullable: the validator takes null for
// an absent optional property, so the document must allow it.
func TestOptionalRequestPropertiesAreNullable(t *testing.T) {
	f := newFixture(t)
	body := f.api.OpenAPI().Components.Schemas.Map()["AdjustStockInputBody"]
	if p := body.Properties["reference"]; p == nil || !p.Nullable {
		t.Fatal("optional reference is not nullable in the document")
	}
	if p := body.Properties["reason"]; p == nil || p.Nullable {
		t.Fatal("required reason is nullable in the document")
	}
}
