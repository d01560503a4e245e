package system

import (
	"fmt"
	"slices"
	"sort"

	"github.com/lovoo/goka"

	"github.com/stockflow/stockflow/processors/catalog"
	"github.com/stockflow/stockflow/processors/idempotency"
	"github.com/stockflow/stockflow/processors/orders"
	"github.com/stockflow/stockflow/processors/shops"
	"github.com/stockflow/stockflow/processors/skus"
	"github.com/stockflow/stockflow/processors/stock"
	"github.com/stockflow/stockflow/processors/timer"
	"github.com/stockflow/stockflow/processors/transfers"
	"github.com/stockflow/stockflow/processors/users"
	"github.com/stockflow/stockflow/processors/warehouses"
)

// graphs maps each processor name to its group graph.
var graphs = map[string]func() *goka.GroupGraph{
	"stock":       stock.Graph,
	"timer":       timer.Graph,
	"orders":      orders.Graph,
	"warehouses":  warehouses.Graph,
	"catalog":     catalog.Graph,
	"shops":       shops.Graph,
	"skus":        skus.Graph,
	"users":       users.Graph,
	"idempotency": idempotency.Graph,
	"transfers":   transfers.Graph,
}

// ProcessorNames lists every processor, sorted.
func ProcessorNames() []string {
	names := make([]string, 0, len(graphs))
	for n := range graphs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// checkProcessorNames rejects unknown names.
func checkProcessorNames(names []string) error {
	all := ProcessorNames()
	for _, n := range names {
		if !slices.Contains(all, n) {
			return fmt.Errorf("unknown processor %q (known: %v)", n, all)
		}
	}
	return nil
}
