package e2e_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stockflow/stockflow/system"
)

// job is one client action of the conservation test.
type job struct {
	transfer    bool
	inTransit   bool
	product     int
	from, to    int
	qty         int
	pay, cancel bool
	key         string
	id          string
	status      int
}

// TestTransfersConserveStockUnderConcurrentLoad runs 1,000 random transfers
// among 4 warehouses and 10 products (a fifth shipped in transit, then
// received), mixed with orders that are paid, cancelled or left to
// expire, from concurrent clients; then, for every
// product, the stock on hand over all warehouses is what was received
// minus what paid orders took, no level is negative or over-reserved, and
// every transfer is completed or rejected.
func TestTransfersConserveStockUnderConcurrentLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	const (
		nWarehouses, nProducts = 4, 10
		nTransfers, nOrders    = 1000, 400
		perLevel               = 40
		clients                = 16
	)
	parts := system.Parts{Embedded: true, Processors: system.ProcessorNames(), API: true}
	s := startWith(t, t.TempDir(), parts, func(c *system.Config) { c.ReservationTTL = 3 * time.Second })
	var ws, ps []string
	for i := range nWarehouses {
		ws = append(ws, s.warehouse(fmt.Sprintf("w%d", i)))
	}
	for i := range nProducts {
		ps = append(ps, s.product(fmt.Sprintf("SKU-%d", i)))
	}
	shop := s.shop(ws...)
	for _, p := range ps {
		for _, w := range ws {
			s.receive(w, p, perLevel)
		}
	}

	var jobs []*job
	for i := range nTransfers {
		from := rand.IntN(nWarehouses)
		jobs = append(jobs, &job{transfer: true, product: rand.IntN(nProducts), from: from, to: (from + 1 + rand.IntN(nWarehouses-1)) % nWarehouses,
			qty: 1 + rand.IntN(15), key: fmt.Sprintf("tr-%d", i), inTransit: i%5 == 0})
	}
	for i := range nOrders {
		jobs = append(jobs, &job{product: rand.IntN(nProducts), qty: 1 + rand.IntN(4), pay: i%3 == 0, cancel: i%3 == 1, key: fmt.Sprintf("o-%d", i)})
	}
	rand.Shuffle(len(jobs), func(i, j int) { jobs[i], jobs[j] = jobs[j], jobs[i] })

	began := time.Now()
	var mu sync.Mutex
	var failures []string
	fail := func(format string, args ...any) {
		mu.Lock()
		failures = append(failures, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	next := make(chan *job)
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				if j.transfer {
					runTransfer(s, j, ps, ws, fail)
				} else {
					runOrder(s, j, shop, ps, fail)
				}
			}
		}()
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	t.Logf("%d transfers and %d orders from %d clients in %s", nTransfers, nOrders, clients, time.Since(began).Round(time.Millisecond))
	if len(failures) > 0 {
		t.Fatalf("%d unexpected answers, e.g. %v", len(failures), first(failures, 5))
	}

	// Every transfer is decided; every unpaid, uncancelled order expires.
	counts := map[string]int{}
	eventually(t, func() string {
		counts = map[string]int{}
		for _, tr := range s.allTransfers() {
			counts[tr.Status]++
		}
		if counts["requested"] > 0 || counts["in_transit"] > 0 {
			return fmt.Sprintf("transfers still requested: %v", counts)
		}
		return ""
	})
	t.Logf("transfers: %v", counts)
	if counts["completed"]+counts["rejected"] != nTransfers || counts["completed"] == 0 || counts["rejected"] == 0 {
		t.Fatalf("transfers ended %v; want all %d completed or rejected, some of each", counts, nTransfers)
	}
	var orders []order
	eventually(t, func() string {
		orders = s.allOrders()
		for _, o := range orders {
			if o.Status == "pending" || o.Status == "reserved" {
				return "order " + o.ID + " still " + o.Status
			}
		}
		return ""
	})
	committed := map[string]int64{}
	for _, o := range orders {
		for _, a := range o.Allocations {
			if o.Status == "paid" {
				committed[a.ProductID] += a.Quantity
			}
		}
	}
	for _, p := range ps {
		want := int64(nWarehouses*perLevel) - committed[p]
		eventually(t, func() string {
			var sum int64
			for _, w := range ws {
				l := s.levelOf(p, w)
				if l.OnHand < 0 || l.Reserved != 0 || l.Available < 0 {
					return fmt.Sprintf("%s@%s: level %+v, want non-negative with nothing reserved", p, w, l)
				}
				sum += l.OnHand
			}
			if sum != want {
				return fmt.Sprintf("product %s: on_hand sums to %d over warehouses, want received %d - committed %d = %d", p, sum, nWarehouses*perLevel, committed[p], want)
			}
			return ""
		})
	}
}

func runTransfer(s *stack, j *job, ps, ws []string, fail func(string, ...any)) {
	body := map[string]any{"product_id": ps[j.product], "from_warehouse_id": ws[j.from], "to_warehouse_id": ws[j.to], "quantity": j.qty, "in_transit": j.inTransit}
	status, data, err := s.tryCall(http.MethodPost, "/warehouses/transfer", body, "Idempotency-Key", j.key)
	switch {
	case err != nil:
		fail("transfer %s: %v", j.key, err)
	case status == http.StatusCreated || status == http.StatusAccepted:
		j.id = decodeQuiet[transferBody](data).ID
		if j.inTransit {
			// The goods arrive.
			if st, data, err := s.tryCall(http.MethodPost, "/transfers/"+j.id+"/receive", nil); err != nil || st != http.StatusOK {
				fail("receive %s = %d %s %v", j.id, st, data, err)
			}
		}
	case status == http.StatusConflict:
		// Rejected for want of stock: find it again by its key.
		status, data, err = s.tryCall(http.MethodPost, "/warehouses/transfer", body, "Idempotency-Key", j.key)
		if err != nil || status != http.StatusConflict {
			fail("retried rejected transfer %s = %d %s %v", j.key, status, data, err)
		}
		j.id = "rejected"
	default:
		fail("transfer %s = %d %s", j.key, status, data)
	}
}

func runOrder(s *stack, j *job, shop string, ps []string, fail func(string, ...any)) {
	status, data, err := s.tryCall(http.MethodPost, "/orders", map[string]any{"shop_id": shop, "lines": lines(ps[j.product], j.qty)}, "Idempotency-Key", j.key)
	if err != nil {
		fail("order %s: %v", j.key, err)
		return
	}
	j.status = status
	switch status {
	case http.StatusCreated:
		j.id = decodeQuiet[order](data).ID
	case http.StatusConflict:
		return
	default:
		fail("order %s = %d %s", j.key, status, data)
		return
	}
	action := ""
	switch {
	case j.pay:
		action = "/pay"
	case j.cancel:
		action = "/cancel"
	default:
		return
	}
	// Pay may lose the race with a 3 s expiry under load (409): both are fine.
	if st, data, err := s.tryCall(http.MethodPost, "/orders/"+j.id+action, nil); err != nil || (st != http.StatusOK && st != http.StatusConflict) {
		fail("%s %s = %d %s %v", action, j.id, st, data, err)
	}
}

// allOrders pages through GET /orders (every order, for the admin).
func (s *stack) allOrders() []order {
	s.t.Helper()
	var all []order
	cursor := ""
	for {
		var page struct {
			Items      []order `json:"items"`
			NextCursor string  `json:"next_cursor"`
		}
		s.mustCall(http.StatusOK, http.MethodGet, "/orders?limit=500&cursor="+cursor, nil, &page)
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			return all
		}
		cursor = page.NextCursor
	}
}

// decodeQuiet decodes data, leaving the zero value when it cannot (for
// client goroutines, which must not fail the test themselves).
func decodeQuiet[T any](data []byte) T {
	var v T
	_ = json.Unmarshal(data, &v)
	return v
}
