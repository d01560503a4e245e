package e2e_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stockflow/stockflow/system"
)

type catalogPage struct {
	Items []struct {
		ID           string       `json:"id"`
		SKU          string       `json:"sku"`
		Availability availability `json:"availability"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// allProducts pages through GET /products and sums availability.
func (s *stack) allProducts() (count int, available int64) {
	cursor := ""
	for {
		var page catalogPage
		s.mustCall(http.StatusOK, http.MethodGet, "/products?limit=7&cursor="+cursor, nil, &page)
		for _, p := range page.Items {
			count++
			available += p.Availability.Available
		}
		if page.NextCursor == "" {
			return count, available
		}
		cursor = page.NextCursor
	}
}

func TestDemoDataIsSeededOnce(t *testing.T) {
	dir := t.TempDir()
	parts := system.Parts{Embedded: true, Processors: system.ProcessorNames(), API: true, Demo: true}
	s := startWith(t, dir, parts)
	var count int
	var available int64
	stable := 0
	eventually(t, func() string {
		c, a := s.allProducts()
		if c == 50 && a == available {
			stable++
		} else {
			stable = 0
		}
		count, available = c, a
		if count != 50 || stable < 10 {
			return fmt.Sprintf("%d demo products (want 50), %d available, still seeding", count, available)
		}
		return ""
	})
	var shops struct {
		Items []struct{ ID string } `json:"items"`
	}
	s.mustCall(http.StatusOK, http.MethodGet, "/warehouses", nil, &shops)
	if len(shops.Items) != 4 {
		t.Fatalf("%d warehouses, want 4", len(shops.Items))
	}
	s.stop()

	s = startWith(t, dir, parts)
	eventually(t, func() string {
		c, a := s.allProducts()
		if c != count || a != available {
			return fmt.Sprintf("after reseeding: %d products with %d available, want %d with %d", c, a, count, available)
		}
		return ""
	})
}
