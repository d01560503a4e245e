package e2e_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

type availability struct {
	Available  int64   `json:"available"`
	Warehouses []level `json:"warehouses"`
}

func (s *stack) availabilityOf(product, query string, headers ...string) availability {
	s.t.Helper()
	var p productBody
	if st, body := s.call(http.MethodGet, "/products/"+product+query, nil, &p, headers...); st != http.StatusOK {
		s.t.Fatalf("GET product = %d %s", st, body)
	}
	return availability(p.Availability)
}

func TestAvailabilityPerShopCountsOnlyItsActiveWarehouses(t *testing.T) {
	s := start(t, t.TempDir())
	w1, w2, w3 := s.warehouse("north"), s.warehouse("south"), s.warehouse("east")
	p := s.product("TEE")
	shopA, shopB := s.shop(w1, w2), s.shop(w3)
	s.receive(w1, p, 5)
	s.receive(w2, p, 7)
	s.receive(w3, p, 11)

	if a := s.availabilityOf(p, "?shop_id="+shopA); a.Available != 12 || len(a.Warehouses) != 2 {
		t.Fatalf("shop A availability %+v, want 12 over 2 warehouses", a)
	}
	if a := s.availabilityOf(p, "?shop_id="+shopB); a.Available != 11 {
		t.Fatalf("shop B availability %+v, want 11", a)
	}
	if a := s.availabilityOf(p, ""); a.Available != 23 {
		t.Fatalf("total availability %+v, want 23", a)
	}
	var list struct {
		Items []struct {
			ID           string       `json:"id"`
			Availability availability `json:"availability"`
		} `json:"items"`
	}
	s.mustCall(http.StatusOK, http.MethodGet, "/products?shop_id="+shopA, nil, &list)
	if len(list.Items) != 1 || list.Items[0].Availability.Available != 12 {
		t.Fatalf("GET /products?shop_id = %+v, want the product with 12", list.Items)
	}
	if st, body := s.call(http.MethodGet, "/products?shop_id=nope", nil, nil); st != http.StatusNotFound {
		t.Fatalf("unknown shop filter = %d %s, want 404", st, body)
	}
	// Changing the shop's warehouses changes what it offers.
	s.mustCall(http.StatusOK, http.MethodPut, "/shops/"+shopA+"/warehouses", map[string]any{"warehouse_ids": []string{w2, w3}}, nil)
	if a := s.availabilityOf(p, "?shop_id="+shopA); a.Available != 18 {
		t.Fatalf("after PUT, shop A availability %+v, want 18", a)
	}
}

func TestDeactivatedWarehouseKeepsReservationsButServesNoNewOrders(t *testing.T) {
	s := start(t, t.TempDir())
	w1, w2 := s.warehouse("north"), s.warehouse("south")
	p := s.product("TEE")
	shop := s.shop(w1, w2)
	s.receive(w1, p, 4)
	s.receive(w2, p, 1)
	_, body := s.place(shop, lines(p, 3))
	held := decode[order](t, body)
	if held.Status != "reserved" || held.Allocations[0].WarehouseID != w1 {
		t.Fatalf("order %+v, want 3 reserved in north", held)
	}

	var w struct{ Status string }
	s.mustCall(http.StatusOK, http.MethodPatch, "/warehouses/"+w1+"/status", map[string]any{"status": "inactive"}, &w)
	if w.Status != "inactive" {
		t.Fatalf("status %q, want inactive", w.Status)
	}
	customer := s.customer("ana@example.com")
	if a := s.availabilityOf(p, "", "Authorization", customer); a.Available != 1 || len(a.Warehouses) != 1 {
		t.Fatalf("customer sees %+v, want only south with 1", a)
	}
	if a := s.availabilityOf(p, ""); len(a.Warehouses) != 2 {
		t.Fatalf("admin sees %+v, want both warehouses", a)
	}
	// A new order can only use south: 2 units are not there.
	if st, body := s.place(shop, lines(p, 2)); st != http.StatusConflict {
		t.Fatalf("order needing north = %d %s, want 409", st, body)
	}
	// The existing reservation in the inactive warehouse still commits.
	s.mustCall(http.StatusOK, http.MethodPost, "/orders/"+held.ID+"/pay", nil, nil)
	s.expectLevel(p, w1, 1, 0)
	s.mustCall(http.StatusOK, http.MethodPatch, "/warehouses/"+w1+"/status", map[string]any{"status": "active"}, nil)
	if st, body := s.place(shop, lines(p, 2)); st != http.StatusCreated {
		t.Fatalf("after reactivation = %d %s, want 201", st, body)
	}
}

func TestAdjustmentsCountAndCorrectNeverGoBelowReserved(t *testing.T) {
	s := start(t, t.TempDir())
	w := s.warehouse("north")
	p := s.product("TEE")
	shop := s.shop(w)
	s.receive(w, p, 10)
	s.place(shop, lines(p, 6))
	adjust := func(body map[string]any) (int, []byte) {
		body["product_id"], body["reason"] = p, "stocktake"
		return s.call(http.MethodPost, "/warehouses/"+w+"/stock", body, nil)
	}
	if st, b := adjust(map[string]any{"kind": "count", "quantity": 9, "expected_on_hand": 10}); st != http.StatusOK {
		t.Fatalf("count = %d %s", st, b)
	}
	if st, b := adjust(map[string]any{"kind": "count", "quantity": 8, "expected_on_hand": 10}); st != http.StatusConflict {
		t.Fatalf("count with a stale expected value = %d %s, want 409", st, b)
	}
	if st, b := adjust(map[string]any{"kind": "correct", "quantity": -4}); st != http.StatusConflict {
		t.Fatalf("correction below reserved = %d %s, want 409", st, b)
	}
	if st, b := adjust(map[string]any{"kind": "correct", "quantity": -3}); st != http.StatusOK {
		t.Fatalf("correction to reserved = %d %s", st, b)
	}
	s.expectLevel(p, w, 6, 6)
}

func TestSKUsAreUnique(t *testing.T) {
	s := start(t, t.TempDir())
	s.product("TEE-RED")
	body := map[string]any{"sku": "tee-red", "name": "again", "price_minor": 1, "currency": "IDR"}
	if st, b := s.call(http.MethodPost, "/products", body, nil); st != http.StatusConflict {
		t.Fatalf("duplicate SKU in another case = %d %s, want 409", st, b)
	}
	// A retry with the same Idempotency-Key is not a duplicate.
	body["sku"] = "TEE-BLUE"
	var first, again struct{ ID string }
	s.call(http.MethodPost, "/products", body, &first, "Idempotency-Key", "p-1")
	if st, b := s.call(http.MethodPost, "/products", body, &again, "Idempotency-Key", "p-1"); st != http.StatusCreated || again.ID != first.ID {
		t.Fatalf("retry = %d %s, want 201 with id %s", st, b, first.ID)
	}
	body["sku"] = "TEE-GREEN"
	if st, b := s.call(http.MethodPost, "/products", body, nil, "Idempotency-Key", "p-1"); st != http.StatusUnprocessableEntity {
		t.Fatalf("same key, another SKU = %d %s, want 422", st, b)
	}
}

func TestStockAlertsReachTheirTopic(t *testing.T) {
	s := start(t, t.TempDir())
	w := s.warehouse("north")
	var p struct{ ID string }
	s.mustCall(http.StatusCreated, http.MethodPost, "/products", map[string]any{"sku": "A", "name": "a", "price_minor": 1, "currency": "IDR", "low_stock_threshold": 2}, &p)
	shop := s.shop(w)
	s.receive(w, p.ID, 4)         // back in stock
	s.place(shop, lines(p.ID, 2)) // 2 left: low stock
	s.place(shop, lines(p.ID, 2)) // 0 left: out of stock

	cl, err := kgo.NewClient(kgo.SeedBrokers(s.brokers...), kgo.ConsumeTopics("stock-alerts"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var kinds []pb.StockAlertKind
	for len(kinds) < 3 && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
			a, err := schemas.StockAlertCodec.Unmarshal(r.Value)
			if err != nil {
				t.Fatal(err)
			}
			kinds = append(kinds, a.GetKind())
		})
	}
	want := []pb.StockAlertKind{pb.StockAlertKind_STOCK_ALERT_KIND_BACK_IN_STOCK, pb.StockAlertKind_STOCK_ALERT_KIND_LOW_STOCK, pb.StockAlertKind_STOCK_ALERT_KIND_OUT_OF_STOCK}
	if len(kinds) != 3 || kinds[0] != want[0] || kinds[1] != want[1] || kinds[2] != want[2] {
		t.Fatalf("alerts %v, want %v", kinds, want)
	}
}
