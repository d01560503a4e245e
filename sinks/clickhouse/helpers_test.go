package clickhouse_test

import (
	"fmt"
	"strconv"
	"time"

	"github.com/stockflow/stockflow/sinks/clickhouse"
)

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// row builds a stored movement of product@warehouse at version v.
func row(product, warehouse string, v int64, kind string, dOnHand, dReserved, onHand, reserved int64) clickhouse.Row {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(v) * time.Second)
	return clickhouse.Row{
		MovementID: fmt.Sprintf("%s@%s#%d", product, warehouse, v), ProductID: product, WarehouseID: warehouse,
		Kind: kind, OnHandDelta: dOnHand, ReservedDelta: dReserved, OnHandAfter: onHand, ReservedAfter: reserved,
		Version: v, At: at, AtUnixMs: at.UnixMilli(),
	}
}
