package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

func TestAPosterKeepsItsConnectionAndReplacesAClosedOne(t *testing.T) {
	var conns, requests atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.URL.Path != "/orders" || r.Header.Get("Authorization") != "Bearer tok" || string(body) != `{"n":1}` {
			t.Errorf("got %s %s %q %s", r.Method, r.URL.Path, r.Header.Get("Authorization"), body)
		}
		if requests.Add(1) == 3 {
			w.Header().Set("Connection", "close")
		}
		w.WriteHeader(http.StatusConflict)
		io.WriteString(w, `{"title":"Conflict"}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	p, err := newPoster(srv.URL, "/orders", "tok", []any{map[string]int{"n": 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	for i := range 5 {
		if status, err := p.post(0); err != nil || status != http.StatusConflict {
			t.Fatalf("request %d: %d %v", i, status, err)
		}
	}
	if got := conns.Load(); got != 2 {
		t.Fatalf("%d connections for 5 requests with one closed after the third, want 2", got)
	}
}

func TestAPosterNeedsAnHTTPURL(t *testing.T) {
	for _, base := range []string{"https://example.com", "not a url", "http://"} {
		if _, err := newPoster(base, "/orders", "tok", nil); err == nil {
			t.Errorf("%q accepted", base)
		}
	}
}
