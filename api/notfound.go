package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path"
)

// problemFallback answers requests that match no route (404, 405) or
// whose path is not clean ("//", "/./": 404, not the mux's redirect) with
// problem+json instead of the mux's
// text/plain, so every answer of the API has one error format.
func problemFallback(mux *http.ServeMux) http.Handler {
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
