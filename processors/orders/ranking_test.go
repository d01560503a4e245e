package orders_test

import (
	"testing"

	"github.com/stockflow/stockflow/processors/orders"
)

func TestRankWarehouses(t *testing.T) {
	t.Parallel()
	cands := []orders.Candidate{{"w1", 0}, {"w2", 2}, {"w3", 5}, {"w4", 9}}
	cases := []struct {
		name string
		qty  int64
		want []string
	}{
		{"warehouses_with_the_whole_quantity_come_first_in_shop_order", 5, []string{"w3", "w4", "w2", "w1"}},
		{"a_small_line_fits_everywhere_that_has_stock", 1, []string{"w2", "w3", "w4", "w1"}},
		{"a_line_nobody_can_fill_alone_tries_partial_ones_first", 20, []string{"w2", "w3", "w4", "w1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := orders.RankWarehouses(c.qty, cands); !equal(got, c.want) {
				t.Errorf("RankWarehouses(%d) = %v, want %v", c.qty, got, c.want)
			}
		})
	}
}

func TestShortfall(t *testing.T) {
	t.Parallel()
	cands := []orders.Candidate{{"w1", 0}, {"w2", 2}, {"w3", -1}}
	cases := []struct {
		name  string
		qty   int64
		short bool
	}{
		{"the_total_over_warehouses_counts", 2, false},
		{"more_than_the_total_is_short", 3, true},
		{"no_warehouse_is_short", 1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if avail, short := orders.Shortfall(c.qty, cands); short != c.short || avail != 2 {
				t.Errorf("Shortfall(%d) = %d, %v; want 2, %v", c.qty, avail, short, c.short)
			}
		})
	}
	if _, short := orders.Shortfall(1, nil); !short {
		t.Error("no warehouses at all should be short")
	}
}
