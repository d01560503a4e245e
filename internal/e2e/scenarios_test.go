package e2e_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Scenarios shared by the kfake suite and the real-Kafka suite. Each
// creates its own warehouses, products and shops; sku makes SKUs unique
// where the broker outlives one run.

// reservesThenRefuses: an order reserves, the next cannot have what is gone.
func reservesThenRefuses(t *testing.T, s *stack, sku func(string) string) {
	w := s.warehouse("north")
	p := s.product(sku("TEE"))
	shop := s.shop(w)
	s.receive(w, p, 3)

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

	status, body = s.place(shop, lines(p, 2))
	if status != http.StatusConflict {
		t.Fatalf("second place = %d %s, want 409", status, body)
	}
	pr := decode[problem](t, body)
	if len(pr.Errors) != 1 || pr.Errors[0].Location != "body.lines[0].quantity" || !strings.Contains(pr.Detail, p) {
		t.Fatalf("problem %+v, want it to name lines[0] and the product", pr)
	}
	s.expectLevel(p, w, 3, 2)
}

// multiLineAllOrNothing: a line that fails releases the lines before it.
func multiLineAllOrNothing(t *testing.T, s *stack, sku func(string) string) {
	w := s.warehouse("north")
	a, b := s.product(sku("A")), s.product(sku("B"))
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
	// Line 1's stock really is free again: all of it can be reserved.
	if status, body := s.place(shop, lines(a, 5)); status != http.StatusCreated {
		t.Fatalf("place all of line 1's product = %d %s, want 201", status, body)
	}
	s.expectLevel(a, w, 5, 5)
}

// neverOversell: clients race for stock units with orders of qty 1.
func neverOversell(t *testing.T, s *stack, sku func(string) string, clients, orders, stock int) {
	w := s.warehouse("north")
	p := s.product(sku("HOT"))
	shop := s.shop(w)
	s.receive(w, p, stock)

	var created, conflicts, other atomic.Int64
	var mu sync.Mutex
	var unexpected []string
	next := make(chan int)
	var wg sync.WaitGroup
	began := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				// tryCall: a transport error is counted, not fatal
				// (FailNow must not run off the test's goroutine).
				status, body, err := s.tryCall(http.MethodPost, "/orders", map[string]any{"shop_id": shop, "lines": lines(p, 1)})
				switch {
				case err != nil:
					other.Add(1)
					mu.Lock()
					unexpected = append(unexpected, err.Error())
					mu.Unlock()
				case status == http.StatusCreated:
					created.Add(1)
				case status == http.StatusConflict:
					conflicts.Add(1)
				default:
					other.Add(1)
					mu.Lock()
					unexpected = append(unexpected, fmt.Sprintf("%d %s", status, body))
					mu.Unlock()
				}
			}
		}()
	}
	for i := range orders {
		next <- i
	}
	close(next)
	wg.Wait()
	t.Logf("%d orders from %d clients in %s", orders, clients, time.Since(began).Round(time.Millisecond))

	if created.Load() != int64(stock) || conflicts.Load() != int64(orders-stock) || other.Load() != 0 {
		t.Fatalf("created %d, conflicts %d, other %d (%v); want %d, %d, 0",
			created.Load(), conflicts.Load(), other.Load(), first(unexpected, 3), stock, orders-stock)
	}
	s.expectLevel(p, w, int64(stock), int64(stock))
}

// restartKeepsLevels: after restart (which stops s and returns the new
// system) every level and the order are as they were, and the system works.
func restartKeepsLevels(t *testing.T, s *stack, sku func(string) string, restart func() *stack) {
	w1, w2 := s.warehouse("north"), s.warehouse("south")
	a, b := s.product(sku("RA")), s.product(sku("RB"))
	shop := s.shop(w1, w2)
	s.receive(w1, a, 7)
	s.receive(w2, a, 3)
	s.receive(w1, b, 2)
	_, body := s.place(shop, lines(a, 8, b, 1))
	o := decode[order](t, body)
	if o.Status != "reserved" {
		t.Fatalf("order %+v, want reserved", o)
	}
	keys := [][2]string{{a, w1}, {a, w2}, {b, w1}}
	before := map[[2]string]level{}
	for _, k := range keys {
		before[k] = s.levelOf(k[0], k[1])
	}

	began := time.Now()
	s = restart()
	t.Logf("restarted in %s", time.Since(began).Round(time.Millisecond))
	for _, k := range keys {
		if got := s.levelOf(k[0], k[1]); got != before[k] {
			t.Errorf("%s@%s after restart = %+v, want %+v", k[0], k[1], got, before[k])
		}
	}
	var again order
	s.mustCall(http.StatusOK, http.MethodGet, "/orders/"+o.ID, nil, &again)
	if again.Status != "reserved" {
		t.Fatalf("order after restart is %q, want reserved", again.Status)
	}
	// The restarted system still works: paying commits, a new order reserves.
	s.mustCall(http.StatusOK, http.MethodPost, "/orders/"+o.ID+"/pay", nil, nil)
	s.expectLevel(b, w1, 1, 0)
	if status, body := s.place(shop, lines(a, 2)); status != http.StatusCreated {
		t.Fatalf("place after restart = %d %s, want 201", status, body)
	}
}

// plainSKU leaves SKUs as they are (a fresh broker per test).
func plainSKU(base string) string { return base }
