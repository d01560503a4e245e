package orders

import (
	"strings"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// StatusName is the API spelling of a status: "pending", "reserved", ...
func StatusName(s pb.OrderStatus) string {
	return strings.ToLower(strings.TrimPrefix(s.String(), "ORDER_STATUS_"))
}

// Event is something that can happen to an order.
type Event int

// Events of an order's life.
const (
	// EventHeld: the last line's stock is held (a stock reply).
	EventHeld Event = iota
	// EventShort: a line ran out of warehouses (a stock reply).
	EventShort
	// EventPay: the customer paid.
	EventPay
	// EventCancel: the customer cancelled.
	EventCancel
	// EventExpire: the reservation deadline passed (the timer).
	EventExpire
)

// Lifecycle is the order state machine, in one place: for each status,
// the status each event leads to. An event missing from a status's row is
// refused (pay, cancel: 409) or ignored (expire, a late reply). An event
// leading back to the same status is an idempotent repeat, answered again.
// Leaving pending or reserved for a closed status releases every
// allocation; paying commits them.
var Lifecycle = map[pb.OrderStatus]map[Event]pb.OrderStatus{
	pb.OrderStatus_ORDER_STATUS_PENDING: {
		EventHeld: pb.OrderStatus_ORDER_STATUS_RESERVED, EventShort: pb.OrderStatus_ORDER_STATUS_REJECTED,
		EventCancel: pb.OrderStatus_ORDER_STATUS_CANCELLED,
	},
	pb.OrderStatus_ORDER_STATUS_RESERVED: {
		// Pay only before expires_at, expire only after it.
		EventPay: pb.OrderStatus_ORDER_STATUS_PAID, EventCancel: pb.OrderStatus_ORDER_STATUS_CANCELLED,
		EventExpire: pb.OrderStatus_ORDER_STATUS_EXPIRED,
	},
	pb.OrderStatus_ORDER_STATUS_PAID:      {EventPay: pb.OrderStatus_ORDER_STATUS_PAID},
	pb.OrderStatus_ORDER_STATUS_CANCELLED: {EventCancel: pb.OrderStatus_ORDER_STATUS_CANCELLED},
	pb.OrderStatus_ORDER_STATUS_REJECTED:  {},
	pb.OrderStatus_ORDER_STATUS_EXPIRED:   {},
}

// next looks up what event does to an order in status: the status it
// leads to, whether that is a repeat of where the order is, and whether
// the event is allowed at all.
func next(status pb.OrderStatus, e Event) (to pb.OrderStatus, repeat, ok bool) {
	to, ok = Lifecycle[status][e]
	return to, ok && to == status, ok
}
