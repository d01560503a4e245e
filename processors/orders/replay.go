package orders

import (
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// Outstanding is what the order's state says must be sent again after a
// crash: every stock command not yet answered, exactly as first sent (the
// same stamp, so a level that applied it already ignores it), plus the
// outcome of a decided order and, for a reserved one, its expiry. A
// transition's state may survive a crash while some of its emits are lost;
// sending these again puts the saga back on track.
func Outstanding(s *pb.OrderState) Effects {
	eff := Effects{Commands: s.GetOutstanding()}
	switch s.GetOrder().GetStatus() {
	case pb.OrderStatus_ORDER_STATUS_PENDING, pb.OrderStatus_ORDER_STATUS_UNSPECIFIED:
	case pb.OrderStatus_ORDER_STATUS_RESERVED:
		eff.Publish, eff.Schedule = true, true
	default:
		eff.Publish = true
	}
	return eff
}
