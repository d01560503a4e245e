package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// catalogOptions size the catalog read benchmark.
type catalogOptions struct {
	products, warehouses, reads, pageSize int
}

// benchCatalog seeds products x warehouses levels, then times GET /products
// pages (plain and filtered by shop) from the clients.
func benchCatalog(ctx context.Context, c *client, o options, co catalogOptions) error {
	start := time.Now()
	shop, err := seedCatalog(ctx, c, o.clients, co)
	if err != nil {
		return fmt.Errorf("seed catalog: %w", err)
	}
	fmt.Printf("seeded %d products x %d warehouses (%d stock levels) in %s\n",
		co.products, co.warehouses, co.products*co.warehouses, time.Since(start).Round(time.Millisecond))
	for _, q := range []string{"", "&shop_id=" + shop} {
		path := fmt.Sprintf("/products?limit=%d%s", co.pageSize, q)
		fmt.Printf("GET %s\n", path)
		res := readLoad(ctx, c, path, o.clients, co.reads)
		res.print(stdout)
	}
	return nil
}

func seedCatalog(ctx context.Context, c *client, clients int, co catalogOptions) (string, error) {
	var warehouses []string
	for i := range co.warehouses {
		id, err := c.create(ctx, "/warehouses", map[string]any{"name": fmt.Sprintf("catalog-w%d", i)})
		if err != nil {
			return "", err
		}
		warehouses = append(warehouses, id)
	}
	shop, err := c.create(ctx, "/shops", map[string]any{"name": "catalog", "warehouse_ids": warehouses[:len(warehouses)/2]})
	if err != nil {
		return "", err
	}
	var done atomic.Int64
	var firstErr error
	var once sync.Once
	work := make(chan int)
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := seedProduct(ctx, c, i, warehouses); err != nil {
					once.Do(func() { firstErr = err })
				}
				if n := done.Add(1); n%1000 == 0 {
					fmt.Printf("  %d/%d products seeded\n", n, co.products)
				}
			}
		}()
	}
	for i := 0; i < co.products && ctx.Err() == nil; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	return shop, firstErr
}

func seedProduct(ctx context.Context, c *client, i int, warehouses []string) error {
	body := map[string]any{"sku": fmt.Sprintf("CAT-%d-%d", time.Now().UnixNano(), i), "name": "catalog item", "price_minor": 1000, "currency": "IDR"}
	id, err := c.create(ctx, "/products", body)
	if err != nil {
		return err
	}
	for _, w := range warehouses {
		adj := map[string]any{"product_id": id, "kind": "receive", "quantity": 10 + i%90, "reason": "bench"}
		if st, err := c.post(ctx, "/warehouses/"+w+"/stock", adj, nil); err != nil || st != http.StatusOK {
			return fmt.Errorf("receive: %d %v", st, err)
		}
	}
	return nil
}

// readLoad sends n GETs of path from the clients and times them.
func readLoad(ctx context.Context, c *client, path string, clients, n int) result {
	res := result{statuses: map[int]int{}}
	var mu sync.Mutex
	next := make(chan struct{})
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				t0 := time.Now()
				st, err := c.get(ctx, path)
				d := time.Since(t0)
				mu.Lock()
				res.latencies = append(res.latencies, d)
				res.statuses[st]++
				if err != nil {
					res.errors++
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- struct{}{}
	}
	close(next)
	wg.Wait()
	res.elapsed = time.Since(start)
	res.unit = "reads"
	return res
}
