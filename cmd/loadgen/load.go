package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type setup struct {
	shop     string
	products []string
}

func seed(ctx context.Context, c *client, o options) (setup, error) {
	var s setup
	var warehouses []string
	for i := range o.warehouses {
		id, err := c.create(ctx, "/warehouses", map[string]any{"name": fmt.Sprintf("bench-w%d", i)})
		if err != nil {
			return s, err
		}
		warehouses = append(warehouses, id)
	}
	shop, err := c.create(ctx, "/shops", map[string]any{"name": "bench", "warehouse_ids": warehouses})
	if err != nil {
		return s, err
	}
	s.shop = shop
	for i := range o.products {
		id, err := c.create(ctx, "/products", map[string]any{"sku": fmt.Sprintf("BENCH-%d-%d", time.Now().UnixNano(), i), "name": "bench", "price_minor": 1000, "currency": "IDR"})
		if err != nil {
			return s, err
		}
		for _, w := range warehouses {
			body := map[string]any{"product_id": id, "kind": "receive", "quantity": o.stock, "reason": "bench"}
			if status, err := c.post(ctx, "/warehouses/"+w+"/stock", body, nil); err != nil || status != http.StatusOK {
				return s, fmt.Errorf("receive stock: %d %v", status, err)
			}
		}
		s.products = append(s.products, id)
	}
	return s, nil
}

type result struct {
	// unit names what was timed ("orders" unless set).
	unit      string
	elapsed   time.Duration
	latencies []time.Duration
	// finished holds when each request completed, since the start.
	finished []time.Duration
	statuses map[int]int
	errors   int
	// cpu is the CPU time this process used while timing (zero if not
	// measured); it includes stockflow's when that runs in process.
	cpu time.Duration
}

func placeOrders(ctx context.Context, c *client, s setup, o options) (result, error) {
	var bodies []any
	for _, product := range s.products {
		bodies = append(bodies, map[string]any{"shop_id": s.shop, "lines": []map[string]any{{"product_id": product, "quantity": o.qty}}})
	}
	template, err := newPoster(c.base, "/orders", c.token, bodies)
	if err != nil {
		return result{}, err
	}
	var (
		mu       sync.Mutex
		res      = result{statuses: map[int]int{}}
		done     atomic.Int64
		next     = make(chan struct{})
		wg       sync.WaitGroup
		progress = time.NewTicker(time.Second)
	)
	defer progress.Stop()
	cpuBefore := cpuUsed()
	start := time.Now()
	for range o.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := template.clone()
			defer p.close()
			local := make([]time.Duration, 0, o.orders/o.clients+1)
			var finished []time.Duration
			statuses := map[int]int{}
			errs := 0
			for range next {
				t0 := time.Now()
				status, err := p.post(rand.IntN(len(s.products)))
				local = append(local, time.Since(t0))
				finished = append(finished, time.Since(start))
				if err != nil {
					errs++
				}
				statuses[status]++
				done.Add(1)
			}
			mu.Lock()
			res.latencies = append(res.latencies, local...)
			res.finished = append(res.finished, finished...)
			for k, v := range statuses {
				res.statuses[k] += v
			}
			res.errors += errs
			mu.Unlock()
		}()
	}
	for i := 0; i < o.orders && ctx.Err() == nil; i++ {
		select {
		case next <- struct{}{}:
		case <-progress.C:
			n := done.Load()
			fmt.Printf("  %6d/%d orders, %.0f orders/s so far\n", n, o.orders, float64(n)/time.Since(start).Seconds())
			next <- struct{}{}
		}
	}
	close(next)
	wg.Wait()
	res.elapsed = time.Since(start)
	res.cpu = cpuUsed() - cpuBefore
	return res, nil
}

func (r result) print(w io.Writer) {
	slices.Sort(r.latencies)
	pct := func(p float64) time.Duration {
		if len(r.latencies) == 0 {
			return 0
		}
		return r.latencies[min(len(r.latencies)-1, int(p*float64(len(r.latencies))))]
	}
	n := len(r.latencies)
	unit := r.unit
	if unit == "" {
		unit = "orders"
	}
	fmt.Fprintf(w, "%s: %d in %.2fs = %.0f %s/s\n", unit, n, r.elapsed.Seconds(), float64(n)/r.elapsed.Seconds(), unit)
	fmt.Fprintf(w, "latency: p50 %s  p95 %s  p99 %s  max %s\n",
		pct(0.50).Round(time.Microsecond), pct(0.95).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), pct(1).Round(time.Microsecond))
	fmt.Fprintf(w, "statuses: %v  transport errors: %d\n", r.statuses, r.errors)
	if first, last, ok := r.fifths(); ok {
		fmt.Fprintf(w, "rate: first fifth %.0f/s, last fifth %.0f/s (last/first %.2f)\n", first, last, last/first)
	}
	if r.cpu > 0 && n > 0 {
		fmt.Fprintf(w, "loadgen CPU: %.1f s = %.3f ms per request (stockflow's too when it runs in process)\n",
			r.cpu.Seconds(), r.cpu.Seconds()*1000/float64(n))
	}
}

// cpuUsed is the CPU time (user and system) this process has used so far.
func cpuUsed() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// fifths is the completion rate over the first and the last fifth of the
// requests: a cost per request that grows with the work shows as a falling
// rate.
func (r result) fifths() (first, last float64, ok bool) {
	n := len(r.finished)
	if n < 10 {
		return 0, 0, false
	}
	slices.Sort(r.finished)
	k := n / 5
	first = float64(k) / r.finished[k-1].Seconds()
	last = float64(k) / (r.finished[n-1] - r.finished[n-1-k]).Seconds()
	return first, last, true
}
