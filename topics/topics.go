package topics

import (
	"time"

	"github.com/lovoo/goka"
)

// Processor groups. Each owns the group table named after it.
const (
	StockGroup      goka.Group = "stock"
	OrdersGroup     goka.Group = "orders"
	WarehousesGroup goka.Group = "warehouses"
	CatalogGroup    goka.Group = "catalog"
	ShopsGroup      goka.Group = "shops"
	UsersGroup      goka.Group = "users"
	SkusGroup       goka.Group = "skus"
	TimerGroup      goka.Group = "timer"
	TransfersGroup  goka.Group = "transfers"
	// IdempotencyGroup binds each Idempotency-Key to its first request.
	IdempotencyGroup goka.Group = "idempotency"
)

// Group tables (compacted changelogs of each group's state).
var (
	StockTable      = goka.GroupTable(StockGroup)
	OrdersTable     = goka.GroupTable(OrdersGroup)
	WarehousesTable = goka.GroupTable(WarehousesGroup)
	CatalogTable    = goka.GroupTable(CatalogGroup)
	ShopsTable      = goka.GroupTable(ShopsGroup)
	UsersTable      = goka.GroupTable(UsersGroup)
	SkusTable       = goka.GroupTable(SkusGroup)
	TimerTable      = goka.GroupTable(TimerGroup)
	TransfersTable  = goka.GroupTable(TransfersGroup)
	// IdempotencyTable holds KeyClaim keyed "<scope>/<Idempotency-Key>".
	IdempotencyTable = goka.GroupTable(IdempotencyGroup)
)

// Streams.
const (
	// StockCommands carries stock.v1 StockCommand keyed "<product>@<warehouse>".
	StockCommands goka.Stream = "stock-commands"
	// StockReplies carries StockReply keyed by order id, from stock to orders.
	StockReplies goka.Stream = "stock-replies"
	// StockMovements carries StockMovement keyed "<product>@<warehouse>" for
	// analytics and downstream systems.
	StockMovements goka.Stream = "stock-movements"
	// StockAlerts carries StockAlert (low, out of, back in stock) keyed
	// "<product>@<warehouse>" for downstream systems.
	StockAlerts goka.Stream = "stock-alerts"
	// OrderCommands carries OrderCommand keyed by order id.
	OrderCommands goka.Stream = "order-commands"
	// WarehouseCommands carries WarehouseCommand keyed by warehouse id.
	WarehouseCommands goka.Stream = "warehouse-commands"
	// CatalogCommands carries CatalogCommand keyed by product id.
	CatalogCommands goka.Stream = "catalog-commands"
	// SkuCommands carries CatalogCommand create keyed by normalised SKU; the
	// skus processor claims the SKU, then forwards it to CatalogCommands.
	SkuCommands goka.Stream = "sku-commands"
	// ShopCommands carries ShopCommand keyed by shop id.
	ShopCommands goka.Stream = "shop-commands"
	// IdempotencyCommands carries KeyCommand keyed "<scope>/<Idempotency-Key>".
	IdempotencyCommands goka.Stream = "idempotency-commands"
	// UserCommands carries UserCommand keyed by normalised email.
	UserCommands goka.Stream = "user-commands"
	// TimerCommands carries TimerCommand keyed by order id.
	TimerCommands goka.Stream = "timer-commands"
	// TransferCommands carries TransferCommand keyed by transfer id.
	TransferCommands goka.Stream = "transfer-commands"
	// TransferReplies carries StockReply for transfer legs keyed by
	// transfer id, from stock to transfers.
	TransferReplies goka.Stream = "transfer-replies"
	// TransferEvents carries TransferEvent (requested, completed, rejected)
	// keyed by transfer id for downstream systems.
	TransferEvents goka.Stream = "transfer-events"
	// OrderEvents carries OrderEvent (placed, reserved, paid, cancelled,
	// expired, rejected) keyed by order id for downstream systems.
	OrderEvents goka.Stream = "order-events"
	// Outcomes carries Outcome keyed by correlation id; the API tails it to
	// answer callers that wait for a result.
	Outcomes goka.Stream = "outcomes"
	// DeadLetters carries DeadLetter: messages a processor could not apply.
	DeadLetters goka.Stream = "dead-letters"
)

// Spec describes one topic to create.
type Spec struct {
	Name string
	// Compacted topics keep the latest value per key forever (tables).
	Compacted bool
	// Retention applies to non-compacted topics; 0 keeps messages forever.
	Retention time.Duration
	// CompactionLag keeps every record of a compacted topic at least this
	// long before compaction may drop it (for consumers that read every
	// change, like the stock relay).
	CompactionLag time.Duration
}

const (
	week = 7 * 24 * time.Hour
	// commandRetention bounds how long an unprocessed command survives a
	// stopped processor. A week covers a long outage.
	commandRetention = week
)

// All lists every topic stockflow uses, tables and streams alike.
func All() []Spec {
	return []Spec{
		// The stock relay publishes every change from this changelog; a
		// week covers a long relay outage.
		{Name: string(StockTable), Compacted: true, CompactionLag: week},
		{Name: string(OrdersTable), Compacted: true},
		{Name: string(WarehousesTable), Compacted: true},
		{Name: string(CatalogTable), Compacted: true},
		{Name: string(ShopsTable), Compacted: true},
		{Name: string(UsersTable), Compacted: true},
		{Name: string(SkusTable), Compacted: true},
		{Name: string(TimerTable), Compacted: true},
		{Name: string(TransfersTable), Compacted: true},
		{Name: string(IdempotencyTable), Compacted: true},
		{Name: string(StockCommands), Retention: commandRetention},
		{Name: string(StockReplies), Retention: commandRetention},
		{Name: string(OrderCommands), Retention: commandRetention},
		{Name: string(WarehouseCommands), Retention: commandRetention},
		{Name: string(CatalogCommands), Retention: commandRetention},
		{Name: string(ShopCommands), Retention: commandRetention},
		{Name: string(UserCommands), Retention: commandRetention},
		{Name: string(SkuCommands), Retention: commandRetention},
		{Name: string(IdempotencyCommands), Retention: commandRetention},
		{Name: string(TimerCommands), Retention: commandRetention},
		{Name: string(TransferCommands), Retention: commandRetention},
		{Name: string(TransferReplies), Retention: commandRetention},
		{Name: string(TransferEvents), Retention: 4 * week},
		{Name: string(OrderEvents), Retention: 4 * week},
		{Name: string(StockMovements), Retention: 4 * week},
		{Name: string(StockAlerts), Retention: 4 * week},
		{Name: string(Outcomes), Retention: time.Hour},
		{Name: string(DeadLetters), Retention: 4 * week},
	}
}
