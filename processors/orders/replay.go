package orders

import (
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// Outstanding is what the order's state says must have been sent: the
// reservations still awaited, the commits of a paid order, the releases of
// a closed one. After a crash some of a transition's emits may be lost
// while its new state survived; sending these again (every stock command is
// idempotent) puts the saga back on track. Publish asks to repeat the
// outcome of a decided order.
func Outstanding(s *pb.OrderState) Effects {
	o := s.GetOrder()
	var cmds []*pb.StockCommand
	switch o.GetStatus() {
	case pb.OrderStatus_ORDER_STATUS_PENDING:
		for i, line := range o.GetLines() {
			if w := s.Progress[i].GetAwaiting(); w != "" {
				cmds = append(cmds, reserveCmd(s, line, w))
			}
		}
		return Effects{Commands: cmds}
	case pb.OrderStatus_ORDER_STATUS_RESERVED:
		return Effects{Publish: true, Schedule: true}
	case pb.OrderStatus_ORDER_STATUS_PAID:
		for _, line := range o.GetLines() {
			for _, a := range line.GetAllocations() {
				cmds = append(cmds, commitCmd(s, line.GetProductId(), a.GetWarehouseId()))
			}
		}
	default: // rejected, cancelled, expired: release everywhere a hold may be.
		for i, line := range o.GetLines() {
			for _, w := range s.Progress[i].GetContacted() {
				cmds = append(cmds, releaseCmd(s, line.GetProductId(), w, "replay"))
			}
		}
	}
	return Effects{Commands: cmds, Publish: true}
}
