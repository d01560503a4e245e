package e2e_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stockflow/stockflow/system"
)

func TestUnpaidReservationsExpireAndReleaseTheirStock(t *testing.T) {
	dir := t.TempDir()
	parts := system.Parts{Embedded: true, Processors: system.ProcessorNames(), API: true}
	s := startWith(t, dir, parts, func(c *system.Config) { c.ReservationTTL = 2 * time.Second })
	w := s.warehouse("north")
	p := s.product("TEE")
	shop := s.shop(w)
	s.receive(w, p, 5)
	_, body := s.place(shop, lines(p, 3))
	unpaid := decode[order](t, body)
	_, body = s.place(shop, lines(p, 1))
	paid := decode[order](t, body)
	s.mustCall(http.StatusOK, http.MethodPost, "/orders/"+paid.ID+"/pay", nil, nil)
	s.expectLevel(p, w, 4, 3)

	// Within about a second of the deadline the unpaid order expires.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var o order
		s.mustCall(http.StatusOK, http.MethodGet, "/orders/"+unpaid.ID, nil, &o)
		if o.Status == "expired" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("order still %s 10 s after a 2 s deadline", o.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.expectLevel(p, w, 4, 0)
	var o order
	s.mustCall(http.StatusOK, http.MethodGet, "/orders/"+paid.ID, nil, &o)
	if o.Status != "paid" {
		t.Fatalf("the paid order is %s, want paid", o.Status)
	}
	if st, b := s.call(http.MethodPost, "/orders/"+unpaid.ID+"/pay", nil, nil); st != http.StatusConflict {
		t.Fatalf("paying an expired order = %d %s, want 409", st, b)
	}
}

func TestDeadlinesSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	parts := system.Parts{Embedded: true, Processors: system.ProcessorNames(), API: true}
	ttl := func(c *system.Config) { c.ReservationTTL = 3 * time.Second }
	s := startWith(t, dir, parts, ttl)
	w := s.warehouse("north")
	p := s.product("TEE")
	shop := s.shop(w)
	s.receive(w, p, 5)
	_, body := s.place(shop, lines(p, 2))
	o := decode[order](t, body)
	s.stop()
	time.Sleep(4 * time.Second) // the deadline passes while nothing runs

	s = startWith(t, dir, parts, ttl)
	eventually(t, func() string {
		var got order
		s.mustCall(http.StatusOK, http.MethodGet, "/orders/"+o.ID, nil, &got)
		if got.Status != "expired" {
			return fmt.Sprintf("order is %s after its deadline passed during downtime", got.Status)
		}
		return ""
	})
	s.expectLevel(p, w, 5, 0)
}
