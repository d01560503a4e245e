package api_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stockflow/stockflow/api"
)

// A 202's Location shows the pending order at once, even before the saga
// has stored it (nothing answers the command here).
func TestAnAcceptedOrdersLocationShowsItPending(t *testing.T) {
	f := newFixture(t, func(d *api.Deps) { d.WaitTimeout = 200 * time.Millisecond })
	_, product, shop := f.seed()
	resp := f.do(http.MethodPost, "/orders", authorization(f.customer), map[string]any{"shop_id": shop, "lines": []map[string]any{{"product_id": product, "quantity": 1}}})
	if resp.StatusCode != http.StatusAccepted || resp.Header.Get("Location") == "" {
		t.Fatalf("place = %d (Location %q), want 202 with a Location", resp.StatusCode, resp.Header.Get("Location"))
	}
	got := f.do(http.MethodGet, resp.Header.Get("Location"), authorization(f.customer))
	var o api.Order
	if err := json.NewDecoder(got.Body).Decode(&o); err != nil || got.StatusCode != http.StatusOK || o.Status != "pending" {
		t.Fatalf("GET Location = %d %+v (%v), want 200 pending", got.StatusCode, o, err)
	}
}
