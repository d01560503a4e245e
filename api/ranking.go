package api

import (
	"github.com/stockflow/stockflow/processors/stock"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// rankWarehouses orders a line's candidate warehouses: those whose view
// shows the whole quantity available first, then those with some, then the
// rest, each group in the shop's order. The view may lag; the stock
// processor decides, the ranking only saves round trips.
func (s *server) rankWarehouses(productID string, qty int64, active []string) []string {
	var full, some, none []string
	for _, wid := range active {
		l, _, _ := lookup[*pb.StockLevel](s.Views.Stock, stock.Key(productID, wid))
		switch avail := stock.Available(l); {
		case avail >= qty:
			full = append(full, wid)
		case avail > 0:
			some = append(some, wid)
		default:
			none = append(none, wid)
		}
	}
	return append(append(full, some...), none...)
}
