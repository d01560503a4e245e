package orders

import (
	"time"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// NeedsRedrive reports whether the saga should send again what is
// outstanding for an order: it has been pending for longer than after, is
// reserved that long past its deadline (its expiry was lost), or stock is
// still held for it that long after it was paid, rejected, cancelled or
// expired (a commit or release was lost). A healthy saga
// settles within milliseconds. heldSomewhere says whether any stock level holds
// stock for the order. The check runs on lagging views, so it may say yes
// for a healthy order; re-driving one changes nothing.
func NeedsRedrive(s *pb.OrderState, heldSomewhere bool, now time.Time, after time.Duration) bool {
	o := s.GetOrder()
	switch o.GetStatus() {
	case pb.OrderStatus_ORDER_STATUS_PENDING:
		return now.Sub(time.UnixMilli(o.GetUpdatedAtUnixMs())) > after
	case pb.OrderStatus_ORDER_STATUS_RESERVED:
		// Overdue: its expiry was lost (a tick missed); re-driving
		// schedules it again, and a due deadline fires at once.
		return now.Sub(time.UnixMilli(o.GetExpiresAtUnixMs())) > after
	}
	return heldSomewhere && now.Sub(time.UnixMilli(o.GetUpdatedAtUnixMs())) > after
}
