package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// problemFallback answers requests that match no route (404, 405) or
// whose path is not clean ("//", "/./": 404, not the mux's redirect) with
// problem+json instead of the mux's
// text/plain, so every answer of the API has one error format.
func problemFallback(mux *http.ServeMux, doc *huma.OpenAPI) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" && path.Clean(r.URL.Path) == r.URL.Path {
			mux.ServeHTTP(w, r) // not h: the mux sets the path values
			return
		}
		// Let the mux decide the status (and Allow or Location headers).
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			if k != "Content-Type" && k != "Content-Length" && k != "X-Content-Type-Options" {
				w.Header()[k] = v
			}
		}
		status := rec.Code
		detail := "no such resource: " + r.URL.EscapedPath()
		switch {
		case status == http.StatusMethodNotAllowed:
			detail = r.Method + " is not allowed on " + r.URL.EscapedPath()
			if allow := documentedMethods(doc, r.URL.Path); allow != "" {
				w.Header().Set("Allow", allow)
			}
		case status != http.StatusNotFound:
			status = http.StatusNotFound
			w.Header().Del("Location")
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"title": http.StatusText(status), "status": status, "detail": detail,
		})
	})
}

// documentedMethods lists the methods the OpenAPI document gives the path
// (its most literal template: /warehouses/transfer, not
// /warehouses/{warehouseId}), for a 405's Allow header. The mux would also
// list the methods of wildcard patterns the path happens to match.
func documentedMethods(doc *huma.OpenAPI, p string) string {
	best, bestLiterals := (*huma.PathItem)(nil), -1
	for template, item := range doc.Paths {
		if n, ok := matchTemplate(template, p); ok && n > bestLiterals {
			best, bestLiterals = item, n
		}
	}
	if best == nil {
		return ""
	}
	var methods []string
	for _, m := range []struct {
		name string
		op   *huma.Operation
	}{{"GET", best.Get}, {"HEAD", best.Get}, {"POST", best.Post}, {"PUT", best.Put}, {"PATCH", best.Patch}, {"DELETE", best.Delete}} {
		if m.op != nil {
			methods = append(methods, m.name)
		}
	}
	return strings.Join(methods, ", ")
}

// matchTemplate reports whether path p fits an OpenAPI path template, and
// how many of its segments are literal.
func matchTemplate(template, p string) (literals int, ok bool) {
	ts, ps := strings.Split(template, "/"), strings.Split(p, "/")
	if len(ts) != len(ps) {
		return 0, false
	}
	for i, t := range ts {
		switch {
		case strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}"):
			if ps[i] == "" {
				return 0, false
			}
		case t == ps[i]:
			literals++
		default:
			return 0, false
		}
	}
	return literals, true
}
