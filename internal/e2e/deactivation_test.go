package e2e_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stockflow/stockflow/system"
)

// TestDeactivatingAWarehouse: new orders avoid an inactive warehouse while
// its reservations still commit and expire; transfers out work, in are
// refused; drain mode refuses while reservations are open; the shop lists
// it with its status and priority; reactivating offers its stock again.
func TestDeactivatingAWarehouse(t *testing.T) {
	parts := system.Parts{Embedded: true, Processors: system.ProcessorNames(), API: true}
	s := startWith(t, t.TempDir(), parts, func(c *system.Config) { c.ReservationTTL = 4 * time.Second })
	w1, w2 := s.warehouse("north"), s.warehouse("south")
	p := s.product("TEE")
	shop := s.shop(w1, w2)
	s.receive(w1, p, 10)
	s.receive(w2, p, 10)
	_, body := s.place(shop, lines(p, 3))
	toPay := decode[order](t, body)
	_, body = s.place(shop, lines(p, 2))
	toExpire := decode[order](t, body)
	s.expectLevel(p, w1, 10, 5)

	// Drain refuses while stock is reserved there, saying why.
	status, body := s.call(http.MethodPatch, "/warehouses/"+w1+"/status", map[string]any{"status": "inactive", "mode": "drain"}, nil)
	refusal := decode[struct {
		Reason           string `json:"reason"`
		OpenReservations int64  `json:"open_reservations"`
	}](t, body)
	if status != http.StatusConflict || refusal.Reason != "open_reservations" || refusal.OpenReservations != 5 {
		t.Fatalf("drain = %d %s, want 409 open_reservations with 5", status, body)
	}
	s.setStatus(w1, "inactive")

	var listed struct {
		Items []struct {
			ID       string `json:"id"`
			Status   string `json:"status"`
			Priority int    `json:"priority"`
		} `json:"items"`
	}
	s.mustCall(http.StatusOK, http.MethodGet, "/shops/"+shop+"/warehouses", nil, &listed)
	if len(listed.Items) != 2 || listed.Items[0].ID != w1 || listed.Items[0].Status != "inactive" || listed.Items[0].Priority != 1 || listed.Items[1].Priority != 2 {
		t.Fatalf("shop warehouses %+v, want north inactive 1 then south active 2", listed.Items)
	}

	// New orders avoid it; its reservation still commits on payment.
	status, body = s.place(shop, lines(p, 4))
	if o := decode[order](t, body); status != http.StatusCreated || len(o.Allocations) != 1 || o.Allocations[0].WarehouseID != w2 {
		t.Fatalf("order after deactivation = %d %s, want it all in south", status, body)
	}
	s.mustCall(http.StatusOK, http.MethodPost, "/orders/"+toPay.ID+"/pay", nil, nil)
	s.expectLevel(p, w1, 7, 2)

	// Transfers out of it work, into it are refused.
	if status, body := s.transfer("out-of-north", p, w1, w2, 5); status != http.StatusCreated {
		t.Fatalf("transfer out of the inactive warehouse = %d %s, want 201", status, body)
	}
	status, body = s.transfer("into-north", p, w2, w1, 1)
	expectProblem(t, "transfer into the inactive warehouse", status, body, http.StatusConflict, "body.to_warehouse_id", "inactive")

	// Its unpaid reservation still expires; then drain accepts.
	eventually(t, func() string {
		var o order
		s.mustCall(http.StatusOK, http.MethodGet, "/orders/"+toExpire.ID, nil, &o)
		if o.Status != "expired" {
			return "order still " + o.Status
		}
		return ""
	})
	s.expectLevel(p, w1, 2, 0)
	s.mustCall(http.StatusOK, http.MethodPatch, "/warehouses/"+w1+"/status", map[string]any{"status": "inactive", "mode": "drain"}, nil)

	// Reactivated, it is the shop's first choice again.
	s.setStatus(w1, "active")
	status, body = s.place(shop, lines(p, 2))
	if o := decode[order](t, body); status != http.StatusCreated || len(o.Allocations) != 1 || o.Allocations[0].WarehouseID != w1 {
		t.Fatalf("order after reactivation = %d %s, want it in north", status, body)
	}
}
