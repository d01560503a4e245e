package e2e_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stockflow/stockflow/system"
)

func decode[T any](t *testing.T, data []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	return v
}

func TestOrderIsReservedThenRefused(t *testing.T) {
	reservesThenRefuses(t, start(t, t.TempDir()), plainSKU)
}

func TestMultiLineOrderIsAllOrNothing(t *testing.T) {
	multiLineAllOrNothing(t, start(t, t.TempDir()), plainSKU)
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

// A sold-out product is refused from the stock view, without a command;
// an order sent with an Idempotency-Key still goes to the saga, which alone
// knows whether an earlier attempt with that key holds stock.
func TestASoldOutProductIsRefusedWithoutARoundTrip(t *testing.T) {
	// No reconciler: its re-drives would write to order-commands too.
	noReconciler := func(c *system.Config) { c.ReconcileInterval = 0 }
	s := startWith(t, t.TempDir(), system.Parts{Embedded: true, Processors: system.ProcessorNames(), API: true}, noReconciler)
	w := s.warehouse("north")
	p := s.product("TEE")
	shop := s.shop(w)
	s.receive(w, p, 1)
	if status, body := s.place(shop, lines(p, 1)); status != http.StatusCreated {
		t.Fatalf("first order = %d %s, want 201", status, body)
	}
	eventually(t, func() string {
		if s.levelOf(p, w).Reserved != 1 {
			return "reservation not in the view yet"
		}
		return ""
	})
	before := s.endOffsets("order-commands")
	status, body := s.place(shop, lines(p, 1))
	if status != http.StatusConflict || s.endOffsets("order-commands") != before {
		t.Fatalf("sold-out order = %d %s and produced %d commands; want 409 and none", status, body, s.endOffsets("order-commands")-before)
	}
	status, body = s.call(http.MethodPost, "/orders", map[string]any{"shop_id": shop, "lines": lines(p, 1)}, nil, "Idempotency-Key", "k1")
	if status != http.StatusConflict || s.endOffsets("order-commands") != before+1 {
		t.Fatalf("keyed sold-out order = %d %s; want a 409 decided by the saga", status, body)
	}
}
