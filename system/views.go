package system

import (
	"github.com/lovoo/goka"

	"github.com/stockflow/stockflow/api"
	"github.com/stockflow/stockflow/schemas"
	"github.com/stockflow/stockflow/topics"
)

type viewTable struct {
	dst   *api.Table
	table goka.Table
	codec goka.Codec
}

// viewTables lists the tables the API reads and where each view goes.
func viewTables(v *api.Views) []viewTable {
	return []viewTable{
		{&v.Warehouses, topics.WarehousesTable, schemas.WarehouseCodec},
		{&v.Catalog, topics.CatalogTable, schemas.ProductCodec},
		{&v.Shops, topics.ShopsTable, schemas.ShopCodec},
		{&v.Stock, topics.StockTable, schemas.StockLevelViewCodec},
		{&v.Orders, topics.OrdersTable, schemas.OrderStateCodec},
		{&v.Users, topics.UsersTable, schemas.UserCodec},
		{&v.Transfers, topics.TransfersTable, schemas.TransferStateCodec},
	}
}
