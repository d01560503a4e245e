package stock_test

import (
	"strconv"
	"testing"

	"github.com/stockflow/stockflow/processors/stock"
	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// BenchmarkReserveRelease measures one reserve and its release on a level
// holding 100 other orders, including encoding the level as the processor
// stores it.
func BenchmarkReserveRelease(b *testing.B) {
	l := &pb.StockLevel{ProductId: "p", WarehouseId: "w", OnHand: 1_000_000}
	for i := range 100 {
		_, _ = stock.Reserve(l, "held-"+strconv.Itoa(i), 1, false)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		order := "o-" + strconv.Itoa(i)
		if _, err := stock.Reserve(l, order, 1, false); err != nil {
			b.Fatal(err)
		}
		stock.Release(l, order, "bench")
		if _, err := schemas.StockLevelCodec.Encode(l); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTransferLegs measures a debit at one level and its credit at
// another, each with encoding the level as the processor stores it.
func BenchmarkTransferLegs(b *testing.B) {
	from := &pb.StockLevel{ProductId: "p", WarehouseId: "w1", OnHand: 1 << 40}
	to := &pb.StockLevel{ProductId: "p", WarehouseId: "w2"}
	b.ReportAllocs()
	for i := int64(0); b.Loop(); i++ {
		id := "t-" + strconv.FormatInt(i, 10)
		if _, err := stock.TransferOut(from, id, 1, stock.Stamp{Source: "transfer-commands/0", Offset: i}); err != nil {
			b.Fatal(err)
		}
		if _, err := stock.TransferIn(to, id, 1, stock.Stamp{Source: "transfer-replies/0", Offset: i}); err != nil {
			b.Fatal(err)
		}
		if _, err := schemas.StockLevelCodec.Encode(from); err != nil {
			b.Fatal(err)
		}
		if _, err := schemas.StockLevelCodec.Encode(to); err != nil {
			b.Fatal(err)
		}
	}
}
