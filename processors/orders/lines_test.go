package orders_test

import (
	"slices"
	"testing"

	"github.com/stockflow/stockflow/processors/orders"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

func TestRepeatedProduct(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name          string
		products      []string
		line, earlier int
		repeated      bool
	}{
		{"distinct_products_are_fine", []string{"p1", "p2", "p3"}, 0, 0, false},
		{"the_first_repeat_is_named_with_the_earlier_line", []string{"p1", "p2", "p1", "p2"}, 2, 0, true},
		{"no_lines_have_no_repeat", nil, 0, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			line, earlier, repeated := orders.RepeatedProduct(c.products)
			if line != c.line || earlier != c.earlier || repeated != c.repeated {
				t.Errorf("RepeatedProduct = %d, %d, %v; want %d, %d, %v", line, earlier, repeated, c.line, c.earlier, c.repeated)
			}
		})
	}
}

func TestActiveWarehouses(t *testing.T) {
	t.Parallel()
	known := map[string]*pb.Warehouse{
		"w1": {Id: "w1", Status: pb.WarehouseStatus_WAREHOUSE_STATUS_ACTIVE},
		"w2": {Id: "w2", Status: pb.WarehouseStatus_WAREHOUSE_STATUS_INACTIVE},
		"w3": {Id: "w3", Status: pb.WarehouseStatus_WAREHOUSE_STATUS_ACTIVE},
	}
	lookup := func(id string) *pb.Warehouse { return known[id] }
	cases := []struct {
		name string
		shop []string
		want []string
	}{
		{"inactive_and_unknown_warehouses_are_skipped_in_shop_order", []string{"w3", "w2", "w9", "w1"}, []string{"w3", "w1"}},
		{"a_shop_without_warehouses_has_none", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := orders.ActiveWarehouses(&pb.Shop{WarehouseIds: c.shop}, lookup); !slices.Equal(got, c.want) {
				t.Errorf("ActiveWarehouses = %v, want %v", got, c.want)
			}
		})
	}
}
