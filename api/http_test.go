package api_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stockflow/stockflow/api"
	"github.com/stockflow/stockflow/internal/auth"
)

func TestEveryWriteWithoutABodyIsADocumentedProblem(t *testing.T) {
	f := newFixture(t)
	for path, item := range f.api.OpenAPI().Paths {
		for method, op := range map[string]bool{http.MethodPost: item.Post != nil, http.MethodPut: item.Put != nil, http.MethodPatch: item.Patch != nil} {
			if !op {
				continue
			}
			t.Run(method+path, func(t *testing.T) {
				url := strings.NewReplacer("{orderId}", "o1", "{warehouseId}", "w1", "{shopId}", "s1").Replace(path)
				resp := f.do(method, url, authorization(f.admin))
				if resp.StatusCode < 400 || resp.StatusCode >= 500 {
					// pay and cancel take no body or an optional one; they answer 404 here.
					t.Fatalf("%s %s without a body = %d, want a 4xx", method, url, resp.StatusCode)
				}
				checkProblem(t, f, method, url, resp, resp.StatusCode)
			})
		}
	}
}

func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	f := newFixture(t)
	for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
		t.Run(scheme, func(t *testing.T) {
			token := strings.TrimPrefix(f.customer, "Bearer ")
			if resp := f.do(http.MethodGet, "/orders", "Authorization: "+scheme+" "+token); resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /orders with %q = %d, want 200", scheme, resp.StatusCode)
			}
		})
	}
	for _, header := range []string{"", "Bearer", "Basic abc", "Bearer not-a-token"} {
		t.Run("refused_"+header, func(t *testing.T) {
			resp := f.do(http.MethodGet, "/orders", "Authorization: "+header)
			checkProblem(t, f, http.MethodGet, "/orders", resp, http.StatusUnauthorized)
		})
	}
}

func TestPublicOperationsNeedNoToken(t *testing.T) {
	f := newFixture(t)
	f.seed()
	for _, path := range []string{"/products", "/products/p1", "/shops/s1", "/shops/s1/warehouses", "/healthz", "/readyz"} {
		if resp := f.do(http.MethodGet, path); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s anonymously = %d, want 200", path, resp.StatusCode)
		}
	}
}

func TestUnroutedPathsAnswerProblemJSON(t *testing.T) {
	tokens, _ := auth.NewTokens([]byte(testKey), time.Hour)
	f := newFixture(t)
	srv := httptest.NewServer(api.NewHandler(api.Deps{Views: f.views, Tokens: tokens, Sender: f.bus, Watcher: f.bus, WaitTimeout: time.Second}))
	defer srv.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	f.seed()
	if resp, err := client.Get(srv.URL + "/products/p1"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("a routed path with a parameter: %v %v", resp, err)
	}
	for _, c := range []struct{ method, path string }{
		{http.MethodGet, "/orders/%2F"}, {http.MethodGet, "/nope"}, {http.MethodDelete, "/orders"}, {http.MethodGet, "/orders//x"},
	} {
		t.Run(c.method+c.path, func(t *testing.T) {
			req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
			req.Header.Set("Authorization", f.customer)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode < 300 || resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("%s %s = %d %s %s, want a problem+json", c.method, c.path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
		})
	}
}

// A 405's Allow names the methods the document gives the path, not those
// of a wildcard route the path happens to match (GET /warehouses/{id}).
func TestMethodNotAllowedListsTheDocumentedMethods(t *testing.T) {
	tokens, _ := auth.NewTokens([]byte(testKey), time.Hour)
	f := newFixture(t)
	srv := httptest.NewServer(api.NewHandler(api.Deps{Views: f.views, Tokens: tokens, Sender: f.bus, Watcher: f.bus, WaitTimeout: time.Second}))
	defer srv.Close()
	for path, want := range map[string]string{"/warehouses/transfer": "POST", "/orders": "GET, HEAD, POST"} {
		req, _ := http.NewRequest(http.MethodOptions, srv.URL+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != want {
			t.Errorf("OPTIONS %s = %d, Allow %q; want 405 with %q", path, resp.StatusCode, resp.Header.Get("Allow"), want)
		}
	}
}
