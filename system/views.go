package system

import (
	"github.com/lovoo/goka"

	"github.com/stockflow/stockflow/internal/kafka"

	"github.com/stockflow/stockflow/api"
	"github.com/stockflow/stockflow/schemas"
	"github.com/stockflow/stockflow/topics"
)

type viewTable struct {
	dst   *api.Table
	table goka.Table
	codec goka.Codec
	// cached keeps decoded values between updates (kafka.CachedView): the
	// tables every order reads.
	cached bool
}

// viewTables lists the tables the API reads and where each view goes.
func viewTables(v *api.Views) []viewTable {
	return []viewTable{
		{&v.Warehouses, topics.WarehousesTable, schemas.WarehouseCodec, true},
		{&v.Catalog, topics.CatalogTable, schemas.ProductCodec, true},
		{&v.Shops, topics.ShopsTable, schemas.ShopCodec, true},
		{&v.Stock, topics.StockTable, schemas.StockLevelViewCodec, true},
		{&v.Orders, topics.OrdersTable, schemas.OrderStateCodec, false},
		{&v.Users, topics.UsersTable, schemas.UserCodec, false},
		{&v.Transfers, topics.TransfersTable, schemas.TransferStateCodec, false},
	}
}

// newView creates a view of table. A view of the orders table also wakes
// the API's requests waiting for their order to be decided (a place's
// outcome is its order's changelog record; see outcomes.Waiters).
func (s *System) newView(g kafka.Goka, table goka.Table, codec goka.Codec, name string) (*goka.View, error) {
	if table == topics.OrdersTable {
		return g.NewObservedView(table, codec, name, s.waiters.OrderStored)
	}
	return g.NewView(table, codec, name)
}
