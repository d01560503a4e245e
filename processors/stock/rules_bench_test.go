package stock_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/stockflow/stockflow/processors/stock"
	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// BenchmarkReserveRelease measures one reserve and its release, stamped
// and encoded as the processor stores them, on a level that already holds
// stock for 10, 1,000 and 100,000 open orders: the cost must not grow.
func BenchmarkReserveRelease(b *testing.B) {
	for _, open := range []int{10, 1_000, 100_000} {
		b.Run(fmt.Sprintf("open_holds=%d", open), func(b *testing.B) {
			l := &pb.StockLevel{ProductId: "p", WarehouseId: "w", OnHand: 10_000_000}
			for i := range open {
				_, _ = stock.Reserve(l, "held-"+strconv.Itoa(i), 1, false)
				stock.MarkApplied(l, "order-commands/"+strconv.Itoa(i%6), int64(i))
			}
			offset := int64(open)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				order := "o-" + strconv.Itoa(i)
				offset++
				if stock.Resent(l, "order-commands/0", offset) {
					b.Fatal("fresh stamp taken for a resend")
				}
				if _, err := stock.Reserve(l, order, 1, false); err != nil {
					b.Fatal(err)
				}
				stock.MarkApplied(l, "order-commands/0", offset)
				if _, err := stock.Release(l, order, 1, "bench"); err != nil {
					b.Fatal(err)
				}
				if _, err := schemas.StockLevelCodec.Encode(l); err != nil {
					b.Fatal(err)
				}
			}
		})
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
		if _, err := stock.TransferOut(from, id, 1); err != nil {
			b.Fatal(err)
		}
		if _, err := stock.TransferIn(to, id, 1); err != nil {
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
