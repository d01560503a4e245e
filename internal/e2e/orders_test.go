package e2e_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func decode[T any](t *testing.T, data []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	return v
}

func TestOrderLifecycleOverKafka(t *testing.T) {
	s := start(t, t.TempDir())
	w := s.warehouse("north")
	p := s.product("TEE-1")
	shop := s.shop(w)
	s.receive(w, p, 3)

	t.Run("reserves_stock", func(t *testing.T) {
		status, body := s.place(shop, lines(p, 2))
		if status != http.StatusCreated {
			t.Fatalf("place = %d %s, want 201", status, body)
		}
		o := decode[order](t, body)
		if o.Status != "reserved" || len(o.Allocations) != 1 || o.Allocations[0].WarehouseID != w || o.Allocations[0].Quantity != 2 {
			t.Fatalf("order %+v, want 2 reserved in %s", o, w)
		}
		var got order
		s.mustCall(http.StatusOK, http.MethodGet, "/orders/"+o.ID, nil, &got)
		if got.Status != "reserved" {
			t.Fatalf("GET order status %q, want reserved", got.Status)
		}
		s.expectLevel(p, w, 3, 2)
	})

	t.Run("refuses_what_is_not_there", func(t *testing.T) {
		status, body := s.place(shop, lines(p, 2))
		if status != http.StatusConflict {
			t.Fatalf("place = %d %s, want 409", status, body)
		}
		pr := decode[problem](t, body)
		if len(pr.Errors) != 1 || pr.Errors[0].Location != "body.lines[0].quantity" || !strings.Contains(pr.Detail, p) {
			t.Fatalf("problem %+v, want it to name lines[0] and the product", pr)
		}
		s.expectLevel(p, w, 3, 2)
	})
}

func TestMultiLineOrderIsAllOrNothing(t *testing.T) {
	s := start(t, t.TempDir())
	w := s.warehouse("north")
	a, b := s.product("A"), s.product("B")
	shop := s.shop(w)
	s.receive(w, a, 5)
	s.receive(w, b, 1)

	status, body := s.place(shop, lines(a, 2, b, 3))
	if status != http.StatusConflict {
		t.Fatalf("place = %d %s, want 409", status, body)
	}
	if pr := decode[problem](t, body); len(pr.Errors) != 1 || pr.Errors[0].Location != "body.lines[1].quantity" {
		t.Fatalf("problem %+v, want it to name lines[1]", pr)
	}
	s.expectLevel(a, w, 5, 0)
	s.expectLevel(b, w, 1, 0)
}

func TestLineIsSplitAcrossTheShopsWarehouses(t *testing.T) {
	s := start(t, t.TempDir())
	w1, w2 := s.warehouse("north"), s.warehouse("south")
	p := s.product("TEE")
	shop := s.shop(w1, w2)
	s.receive(w1, p, 2)
	s.receive(w2, p, 4)

	status, body := s.place(shop, lines(p, 5))
	if status != http.StatusCreated {
		t.Fatalf("place = %d %s, want 201", status, body)
	}
	o := decode[order](t, body)
	var total int64
	for _, a := range o.Allocations {
		total += a.Quantity
	}
	if len(o.Allocations) != 2 || total != 5 {
		t.Fatalf("allocations %+v, want 5 over two warehouses", o.Allocations)
	}
	// Paying commits both holds.
	s.mustCall(http.StatusOK, http.MethodPost, "/orders/"+o.ID+"/pay", nil, nil)
	eventually(t, func() string {
		l1, l2 := s.levelOf(p, w1), s.levelOf(p, w2)
		if l1.Reserved+l2.Reserved != 0 || l1.OnHand+l2.OnHand != 1 {
			return "stock not committed yet"
		}
		return ""
	})
}

func TestCancelReleasesTheReservation(t *testing.T) {
	s := start(t, t.TempDir())
	w := s.warehouse("north")
	p := s.product("TEE")
	shop := s.shop(w)
	s.receive(w, p, 4)
	_, body := s.place(shop, lines(p, 4))
	o := decode[order](t, body)
	var cancelled order
	s.mustCall(http.StatusOK, http.MethodPost, "/orders/"+o.ID+"/cancel", map[string]any{"reason": "changed my mind"}, &cancelled)
	if cancelled.Status != "cancelled" {
		t.Fatalf("status %q, want cancelled", cancelled.Status)
	}
	s.expectLevel(p, w, 4, 0)
	if status, body := s.call(http.MethodPost, "/orders/"+o.ID+"/pay", nil, nil); status != http.StatusConflict {
		t.Fatalf("pay after cancel = %d %s, want 409", status, body)
	}
}

func TestIdempotencyKeyMakesRetriesSafe(t *testing.T) {
	s := start(t, t.TempDir())
	w := s.warehouse("north")
	p := s.product("TEE")
	shop := s.shop(w)
	s.receive(w, p, 10)
	body := map[string]any{"shop_id": shop, "lines": lines(p, 3)}
	var first, second order
	if st, b := s.call(http.MethodPost, "/orders", body, &first, "Idempotency-Key", "k-1"); st != http.StatusCreated {
		t.Fatalf("first = %d %s", st, b)
	}
	if st, b := s.call(http.MethodPost, "/orders", body, &second, "Idempotency-Key", "k-1"); st != http.StatusCreated {
		t.Fatalf("retry = %d %s", st, b)
	}
	if first.ID != second.ID {
		t.Fatalf("retry created order %s, first was %s", second.ID, first.ID)
	}
	s.expectLevel(p, w, 10, 3)
	other := map[string]any{"shop_id": shop, "lines": lines(p, 4)}
	if st, b := s.call(http.MethodPost, "/orders", other, nil, "Idempotency-Key", "k-1"); st != http.StatusUnprocessableEntity {
		t.Fatalf("same key, other body = %d %s, want 422", st, b)
	}
	// Receiving twice with one key counts once.
	adj := map[string]any{"product_id": p, "kind": "receive", "quantity": 5, "reason": "po"}
	for range 2 {
		if st, b := s.call(http.MethodPost, "/warehouses/"+w+"/stock", adj, nil, "Idempotency-Key", "po-7"); st != http.StatusOK {
			t.Fatalf("receive = %d %s", st, b)
		}
	}
	s.expectLevel(p, w, 15, 3)
}
