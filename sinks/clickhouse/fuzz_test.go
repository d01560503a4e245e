package clickhouse_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/schemas"
	"github.com/stockflow/stockflow/sinks/clickhouse"
)

// FuzzDecode feeds any key and bytes to the sink's row decoding: it never
// panics, a row it accepts belongs to the key's level with an identity and
// a known kind, and the movement re-encoded decodes to the same row.
func FuzzDecode(f *testing.F) {
	for _, m := range levelMovements(2, 6) {
		data, err := proto.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(m.ProductId+"@"+m.WarehouseId, data)
	}
	for _, c := range poisonMovements {
		f.Add(c.key, c.value)
	}
	kinds := map[string]bool{clickhouse.KindReceive: true, clickhouse.KindCount: true, clickhouse.KindCorrect: true, clickhouse.KindAdjust: true,
		clickhouse.KindReserve: true, clickhouse.KindRelease: true, clickhouse.KindCommit: true, clickhouse.KindTransferOut: true, clickhouse.KindTransferIn: true}
	f.Fuzz(func(t *testing.T, key string, value []byte) {
		row, err := clickhouse.Decode(key, value)
		if err != nil {
			return
		}
		if row.ProductID+"@"+row.WarehouseID != key || row.MovementID == "" || row.Version <= 0 || !kinds[row.Kind] {
			t.Fatalf("accepted %+v on key %q", row, key)
		}
		if (row.Cause != "") != (row.Kind == clickhouse.KindRelease) {
			t.Fatalf("cause %q for kind %s", row.Cause, row.Kind)
		}
		m, err := schemas.StockMovementCodec.Unmarshal(value)
		if err != nil {
			t.Fatal(err)
		}
		again, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if row2, err := clickhouse.Decode(key, again); err != nil || row2 != row {
			t.Fatalf("round trip: %+v, %v; want %+v", row2, err, row)
		}
	})
}
