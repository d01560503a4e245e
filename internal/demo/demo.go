// Package demo seeds a believable data set through the public API: two
// shops, four warehouses and fifty products with stock. Every request
// carries an Idempotency-Key, so seeding again is a no-op.
package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

var warehouses = []string{"Jakarta North DC", "Bekasi DC", "Surabaya DC", "Bandung Hub"}

// shops lists each shop's warehouses by index into warehouses, in preference order.
var shops = []struct {
	name       string
	warehouses []int
}{
	{"Nusantara Outfitters", []int{0, 1, 3}},
	{"Kopi & Co", []int{2, 1}},
}

var (
	colours = []string{"Red", "Navy", "Olive", "Sand", "Black"}
	items   = []struct {
		name  string
		price int64
	}{
		{"Cotton T-shirt", 129_900}, {"Linen Shirt", 349_000}, {"Batik Shirt", 459_000}, {"Canvas Tote", 99_000},
		{"Travel Mug", 149_000}, {"Arabica Beans 250g", 89_000}, {"Denim Jacket", 799_000}, {"Sarong", 189_000},
		{"Sneakers", 899_000}, {"Rain Poncho", 79_000},
	}
)

// Seed creates the demo data through the API at base, as the admin whose
// bearer token is given.
func Seed(ctx context.Context, base, token string) error {
	c := client{base: base, token: token, http: &http.Client{Timeout: 30 * time.Second}}
	var wids []string
	for i, name := range warehouses {
		id, err := c.create(ctx, "/warehouses", fmt.Sprintf("demo-warehouse-%d", i), map[string]any{"name": name})
		if err != nil {
			return err
		}
		wids = append(wids, id)
	}
	for i, s := range shops {
		var ids []string
		for _, w := range s.warehouses {
			ids = append(ids, wids[w])
		}
		if _, err := c.create(ctx, "/shops", fmt.Sprintf("demo-shop-%d", i), map[string]any{"name": s.name, "warehouse_ids": ids}); err != nil {
			return err
		}
	}
	rng := rand.New(rand.NewPCG(42, 7)) // the same demo every time
	for i := range len(colours) * len(items) {
		if err := c.product(ctx, rng, i, wids); err != nil {
			return err
		}
		if (i+1)%10 == 0 {
			slog.Info("demo data", "products", i+1, "of", len(colours)*len(items))
		}
	}
	return nil
}

func (c client) product(ctx context.Context, rng *rand.Rand, i int, wids []string) error {
	item, colour := items[i%len(items)], colours[i/len(items)]
	body := map[string]any{
		"sku":  fmt.Sprintf("DEMO-%03d", i+1),
		"name": fmt.Sprintf("%s, %s", item.name, colour), "price_minor": item.price, "currency": "IDR",
	}
	pid, err := c.create(ctx, "/products", fmt.Sprintf("demo-product-%d", i), body)
	if err != nil {
		return err
	}
	stocked, err := c.stocked(ctx, pid)
	if err != nil {
		return err
	}
	for j, w := range wids {
		qty := rng.IntN(60)
		if qty == 0 || stocked[w] {
			continue // some products are out of stock somewhere; seeded levels stay as they are
		}
		adj := map[string]any{"product_id": pid, "kind": "receive", "quantity": qty, "reason": "demo opening stock"}
		if _, err := c.post(ctx, "/warehouses/"+w+"/stock", fmt.Sprintf("demo-stock-%d-%d", i, j), adj); err != nil {
			return err
		}
	}
	return nil
}

// stocked lists the warehouses that already hold a level of the product,
// so that seeding twice never receives stock twice.
func (c client) stocked(ctx context.Context, productID string) (map[string]bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/products/"+productID, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("demo: GET product: %w", err)
	}
	defer resp.Body.Close()
	var p struct {
		Availability struct {
			Warehouses []struct {
				WarehouseID string `json:"warehouse_id"`
			} `json:"warehouses"`
		} `json:"availability"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		return nil, fmt.Errorf("demo: decode product: %w", err)
	}
	out := map[string]bool{}
	for _, w := range p.Availability.Warehouses {
		out[w.WarehouseID] = true
	}
	return out, nil
}

type client struct {
	base, token string
	http        *http.Client
}

func (c client) create(ctx context.Context, path, key string, body any) (string, error) {
	data, err := c.post(ctx, path, key, body)
	if err != nil {
		return "", err
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(data, &out); err != nil || out.ID == "" {
		return "", fmt.Errorf("demo: POST %s answered %s", path, data)
	}
	return out.ID, nil
}

func (c client) post(ctx context.Context, path, key string, body any) ([]byte, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+c.token)
		req.Header.Set("Idempotency-Key", key)
		resp, err := c.http.Do(req)
		if err != nil {
			return nil, fmt.Errorf("demo: POST %s: %w", path, err)
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		// Rate-limited or Kafka briefly away: wait as told and retry with
		// the same Idempotency-Key, which applies it once.
		if wait, ok := retryAfter(resp); ok {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(wait):
			}
			continue
		}
		if resp.StatusCode >= 300 {
			return nil, fmt.Errorf("demo: POST %s = %d %s", path, resp.StatusCode, data)
		}
		return data, nil
	}
}

// retryAfter is how long a 429 or 503 asks to wait (ok false otherwise).
func retryAfter(resp *http.Response) (time.Duration, bool) {
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
		return 0, false
	}
	secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || secs < 0 {
		return 0, false
	}
	return time.Duration(secs)*time.Second + 10*time.Millisecond, true
}
