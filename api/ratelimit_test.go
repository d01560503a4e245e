package api_test

import (
	"net/http"
	"net/netip"
	"strconv"
	"testing"

	"github.com/stockflow/stockflow/api"
)

func TestWritesPastAClientsRateAre429WithRetryAfter(t *testing.T) {
	f := newFixture(t, func(d *api.Deps) {
		d.WriteLimit = api.WriteLimit{PerSecond: 0.5, Burst: 2}
		d.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	f.seed()
	processors(f)
	create := func(client string) *http.Response {
		return f.do(http.MethodPost, "/warehouses", authorization(f.admin), "X-Forwarded-For: "+client, map[string]any{"name": "north"})
	}
	for i := range 2 {
		if resp := create("203.0.113.1"); resp.StatusCode != http.StatusCreated {
			t.Fatalf("write %d within the burst = %d, want 201", i+1, resp.StatusCode)
		}
	}
	resp := create("203.0.113.1")
	checkProblem(t, f, http.MethodPost, "/warehouses", resp, http.StatusTooManyRequests)
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || secs < 1 || secs > 2 {
		t.Fatalf("Retry-After = %q, want 1 or 2 seconds", resp.Header.Get("Retry-After"))
	}
	// Another caller from the same address has its own bucket.
	order := f.do(http.MethodPost, "/orders", authorization(f.customer), "X-Forwarded-For: 203.0.113.1", map[string]any{"shop_id": "nope", "lines": []map[string]any{{"product_id": "p", "quantity": 1}}})
	if order.StatusCode == http.StatusTooManyRequests {
		t.Fatalf("another caller's write from the same address = 429, want its own bucket")
	}
	// Without a token, the bucket is the address's.
	anonymous := func(client string) int {
		return f.do(http.MethodPost, "/login", "X-Forwarded-For: "+client, map[string]any{"email": "x@example.com", "password": "wrong-password"}).StatusCode
	}
	for range 2 {
		anonymous("203.0.113.2")
	}
	if st := anonymous("203.0.113.2"); st != http.StatusTooManyRequests {
		t.Fatalf("a third anonymous write from one address = %d, want 429", st)
	}
	if st := anonymous("203.0.113.3"); st == http.StatusTooManyRequests {
		t.Fatalf("an anonymous write from another address = 429, want its own bucket")
	}
	if resp := f.do(http.MethodGet, "/warehouses", authorization(f.admin), "X-Forwarded-For: 203.0.113.1"); resp.StatusCode != http.StatusOK {
		t.Fatalf("a read of the limited client = %d, want 200 (reads are not limited)", resp.StatusCode)
	}
}
