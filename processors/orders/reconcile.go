package orders

import (
	"time"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// NeedsRedrive reports whether the saga should send again what is
// outstanding for an order: it has been pending, or waiting for a stock
// reply, for longer than after, or it is reserved that long past its
// deadline (its expiry was lost). A healthy saga settles within
// milliseconds. The check runs on a lagging view, so it may say yes for a
// healthy order; re-driving one changes nothing (re-sent commands carry
// their original stamps).
func NeedsRedrive(s *pb.OrderState, now time.Time, after time.Duration) bool {
	o := s.GetOrder()
	idle := now.Sub(time.UnixMilli(o.GetUpdatedAtUnixMs())) > after
	switch {
	case o == nil:
		return false
	case o.GetStatus() == pb.OrderStatus_ORDER_STATUS_PENDING, len(s.GetOutstanding()) > 0:
		return idle
	case o.GetStatus() == pb.OrderStatus_ORDER_STATUS_RESERVED:
		return now.Sub(time.UnixMilli(o.GetExpiresAtUnixMs())) > after
	}
	return false
}

// Holds is what an order's state says it holds at each stock level
// ("product@warehouse" → quantity): the allocations of a pending or
// reserved order, and those whose commit or release is still outstanding.
// Summed over orders it must equal each level's reserved, which the
// reconciler checks.
func Holds(s *pb.OrderState) map[string]int64 {
	held := map[string]int64{}
	o := s.GetOrder()
	live := o.GetStatus() == pb.OrderStatus_ORDER_STATUS_PENDING || o.GetStatus() == pb.OrderStatus_ORDER_STATUS_RESERVED
	closing := map[string]int64{}
	for _, c := range s.GetOutstanding() {
		switch k := c.GetKind().(type) {
		case *pb.StockCommand_Release:
			closing[levelKey(c)] += k.Release.GetQuantity()
		case *pb.StockCommand_Commit:
			closing[levelKey(c)] += k.Commit.GetQuantity()
		}
	}
	for _, line := range o.GetLines() {
		for _, a := range line.GetAllocations() {
			key := line.GetProductId() + "@" + a.GetWarehouseId()
			if live {
				held[key] += a.GetQuantity()
			}
		}
	}
	for key, q := range closing {
		held[key] += q
	}
	return held
}

func levelKey(c *pb.StockCommand) string { return c.GetProductId() + "@" + c.GetWarehouseId() }
