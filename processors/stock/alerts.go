package stock

import (
	"fmt"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// DefaultLowStockThreshold applies when the product is not (yet) in the
// catalog view.
const DefaultLowStockThreshold = 5

// Alert returns the stock-level event a change of available from before to
// after raises, if any: out of stock when it reaches 0, back in stock when
// it leaves 0, low stock when it crosses down to threshold or below.
func Alert(before, after, threshold int64) (pb.StockAlertKind, bool) {
	switch {
	case after <= 0 && before > 0:
		return pb.StockAlertKind_STOCK_ALERT_KIND_OUT_OF_STOCK, true
	case before <= 0 && after > 0:
		return pb.StockAlertKind_STOCK_ALERT_KIND_BACK_IN_STOCK, true
	case after <= threshold && before > threshold:
		return pb.StockAlertKind_STOCK_ALERT_KIND_LOW_STOCK, true
	}
	return pb.StockAlertKind_STOCK_ALERT_KIND_UNSPECIFIED, false
}

// alertFor builds the event for a movement that changed available.
func alertFor(m *pb.StockMovement, threshold int64) *pb.StockAlert {
	after := m.GetOnHandAfter() - m.GetReservedAfter()
	before := after - (m.GetOnHandDelta() - m.GetReservedDelta())
	kind, ok := Alert(before, after, threshold)
	if !ok {
		return nil
	}
	return &pb.StockAlert{
		AlertId:   fmt.Sprintf("%s#%d", Key(m.GetProductId(), m.GetWarehouseId()), m.GetVersion()),
		ProductId: m.GetProductId(), WarehouseId: m.GetWarehouseId(), Kind: kind,
		Available: after, Threshold: threshold, Version: m.GetVersion(), AtUnixMs: m.GetAtUnixMs(),
	}
}
