package orders

import pb "github.com/stockflow/stockflow/schemas/stockflowv1"

// RepeatedProduct finds the first line whose product an earlier line
// already orders: an order has one line per product (the saga reserves a
// product once), so the caller must put the whole quantity on one line.
// It returns the repeating line, the earlier one, and whether there is one.
func RepeatedProduct(productIDs []string) (line, earlier int, repeated bool) {
	seen := map[string]int{}
	for i, p := range productIDs {
		if j, dup := seen[p]; dup {
			return i, j, true
		}
		seen[p] = i
	}
	return 0, 0, false
}

// ActiveWarehouses keeps, in the shop's order, the warehouses that may
// take new reservations: those known and active. Inactive ones keep their
// stock and existing reservations but get no new orders.
func ActiveWarehouses(shop *pb.Shop, warehouse func(id string) *pb.Warehouse) []string {
	var ids []string
	for _, id := range shop.GetWarehouseIds() {
		if warehouse(id).GetStatus() == pb.WarehouseStatus_WAREHOUSE_STATUS_ACTIVE {
			ids = append(ids, id)
		}
	}
	return ids
}
