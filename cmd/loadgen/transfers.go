package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// benchTransfers seeds warehouses and products with stock, then asks for
// random transfers between the warehouses from the clients and prints
// throughput and latency (each request waits for the debit and the credit).
func benchTransfers(ctx context.Context, c *client, o options) error {
	if o.warehouses < 2 {
		return fmt.Errorf("the transfers scenario needs --warehouses 2 or more, got %d", o.warehouses)
	}
	var warehouses, products []string
	for i := range o.warehouses {
		id, err := c.create(ctx, "/warehouses", map[string]any{"name": fmt.Sprintf("transfer-w%d", i)})
		if err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		warehouses = append(warehouses, id)
	}
	for i := range o.products {
		id, err := c.create(ctx, "/products", map[string]any{"sku": fmt.Sprintf("TRANSFER-%d-%d", time.Now().UnixNano(), i), "name": "bench", "price_minor": 1000, "currency": "IDR"})
		if err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		for _, w := range warehouses {
			body := map[string]any{"product_id": id, "kind": "receive", "quantity": o.stock, "reason": "bench"}
			if status, err := c.post(ctx, "/warehouses/"+w+"/stock", body, nil); err != nil || status != http.StatusOK {
				return fmt.Errorf("receive stock: %d %v", status, err)
			}
		}
		products = append(products, id)
	}
	fmt.Printf("seeded %d products x %d warehouses; asking for %d transfers with %d clients against %s\n",
		o.products, o.warehouses, o.transfers, o.clients, o.url)
	res := runTransfers(ctx, c, products, warehouses, o)
	res.print(stdout)
	return nil
}

func runTransfers(ctx context.Context, c *client, products, warehouses []string, o options) result {
	var (
		mu   sync.Mutex
		res  = result{unit: "transfers", statuses: map[int]int{}}
		done atomic.Int64
		next = make(chan struct{})
		wg   sync.WaitGroup
	)
	start := time.Now()
	for range o.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []time.Duration
			statuses := map[int]int{}
			errs := 0
			for range next {
				from := rand.IntN(len(warehouses))
				to := (from + 1 + rand.IntN(len(warehouses)-1)) % len(warehouses)
				body := map[string]any{"product_id": products[rand.IntN(len(products))], "from_warehouse_id": warehouses[from],
					"to_warehouse_id": warehouses[to], "quantity": o.qty, "reason": "bench"}
				t0 := time.Now()
				status, err := c.post(ctx, "/warehouses/transfer", body, nil)
				local = append(local, time.Since(t0))
				if err != nil {
					errs++
				}
				statuses[status]++
				done.Add(1)
			}
			mu.Lock()
			res.latencies = append(res.latencies, local...)
			for k, v := range statuses {
				res.statuses[k] += v
			}
			res.errors += errs
			mu.Unlock()
		}()
	}
	progress := time.NewTicker(time.Second)
	defer progress.Stop()
	for i := 0; i < o.transfers && ctx.Err() == nil; i++ {
		select {
		case next <- struct{}{}:
		case <-progress.C:
			n := done.Load()
			fmt.Printf("  %6d/%d transfers, %.0f transfers/s so far\n", n, o.transfers, float64(n)/time.Since(start).Seconds())
			next <- struct{}{}
		}
	}
	close(next)
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}
