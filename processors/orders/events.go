package orders

import (
	"strings"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// History is the kinds of the events an order has had so far, in order:
// PLACED; RESERVED once every line was held; then the closing kind (PAID,
// CANCELLED, EXPIRED or REJECTED). It depends only on the stored state, so
// the saga emits what a transition adds (Events(s)[before:]) and a re-drive
// after a crash emits the same events again, with the same ids.
//
// A closing release (cancel while pending, reject) waits for the reserves
// still in flight: their replies add allocations that are then released, so
// the event follows the last reply and lists every released hold.
func History(s *pb.OrderState) []pb.OrderEventKind {
	o := s.GetOrder()
	if o == nil || o.GetStatus() == pb.OrderStatus_ORDER_STATUS_UNSPECIFIED {
		return nil
	}
	kinds := []pb.OrderEventKind{pb.OrderEventKind_ORDER_EVENT_KIND_PLACED}
	if wasReserved(o) {
		kinds = append(kinds, pb.OrderEventKind_ORDER_EVENT_KIND_RESERVED)
	}
	if k, ok := closingKind[o.GetStatus()]; ok && !awaitingReserve(s) {
		kinds = append(kinds, k)
	}
	return kinds
}

// closingKind is the event of each final status.
var closingKind = map[pb.OrderStatus]pb.OrderEventKind{
	pb.OrderStatus_ORDER_STATUS_PAID:      pb.OrderEventKind_ORDER_EVENT_KIND_PAID,
	pb.OrderStatus_ORDER_STATUS_CANCELLED: pb.OrderEventKind_ORDER_EVENT_KIND_CANCELLED,
	pb.OrderStatus_ORDER_STATUS_EXPIRED:   pb.OrderEventKind_ORDER_EVENT_KIND_EXPIRED,
	pb.OrderStatus_ORDER_STATUS_REJECTED:  pb.OrderEventKind_ORDER_EVENT_KIND_REJECTED,
}

// wasReserved reports whether every line was held at some point. Orders
// stored before reserved_at existed are known by their status.
func wasReserved(o *pb.Order) bool {
	switch o.GetStatus() {
	case pb.OrderStatus_ORDER_STATUS_RESERVED, pb.OrderStatus_ORDER_STATUS_PAID, pb.OrderStatus_ORDER_STATUS_EXPIRED:
		return true
	}
	return o.GetReservedAtUnixMs() > 0
}

func awaitingReserve(s *pb.OrderState) bool {
	for _, p := range s.GetProgress() {
		if p.GetAwaiting() != "" {
			return true
		}
	}
	return false
}

// Events builds the order's events from index from (0 = all of them) of
// its History.
func Events(s *pb.OrderState, from int) []*pb.OrderEvent {
	kinds := History(s)
	if from >= len(kinds) {
		return nil
	}
	out := make([]*pb.OrderEvent, 0, len(kinds)-from)
	for i := from; i < len(kinds); i++ {
		out = append(out, event(s, kinds[i], i+1))
	}
	return out
}

// EventID is the deterministic id of an order's event of kind k:
// "<order_id>#<kind>", kind in lower case ("placed", "paid", ...).
func EventID(orderID string, k pb.OrderEventKind) string {
	return orderID + "#" + EventKindName(k)
}

// EventKindName is the lower-case name of an event kind: "placed", ...
func EventKindName(k pb.OrderEventKind) string {
	return strings.ToLower(strings.TrimPrefix(k.String(), "ORDER_EVENT_KIND_"))
}

func event(s *pb.OrderState, k pb.OrderEventKind, seq int) *pb.OrderEvent {
	o := s.GetOrder()
	e := &pb.OrderEvent{
		EventId: EventID(o.GetId(), k), OrderId: o.GetId(), UserId: o.GetUserId(), ShopId: o.GetShopId(),
		Kind: k, Sequence: int32(seq), Lines: eventLines(o),
	}
	switch k {
	case pb.OrderEventKind_ORDER_EVENT_KIND_PLACED:
		e.OccurredAtUnixMs, e.ExpiresAtUnixMs = o.GetCreatedAtUnixMs(), o.GetExpiresAtUnixMs()
	case pb.OrderEventKind_ORDER_EVENT_KIND_RESERVED:
		e.OccurredAtUnixMs, e.ExpiresAtUnixMs, e.Held = o.GetReservedAtUnixMs(), o.GetExpiresAtUnixMs(), stockOf(o)
	case pb.OrderEventKind_ORDER_EVENT_KIND_PAID:
		e.OccurredAtUnixMs, e.PaidAtUnixMs, e.Committed = o.GetPaidAtUnixMs(), o.GetPaidAtUnixMs(), stockOf(o)
		e.PaymentReference = o.GetPaymentReference()
	case pb.OrderEventKind_ORDER_EVENT_KIND_CANCELLED:
		e.OccurredAtUnixMs, e.CancelledAtUnixMs = o.GetCancelledAtUnixMs(), o.GetCancelledAtUnixMs()
		e.Released, e.Reason = stockOf(o), closeReason(s)
	default: // expired, rejected
		e.OccurredAtUnixMs, e.Released, e.Reason, e.Problem = o.GetClosedAtUnixMs(), stockOf(o), closeReason(s), o.GetProblem()
	}
	if e.OccurredAtUnixMs == 0 { // an order stored before the time fields existed
		e.OccurredAtUnixMs = o.GetUpdatedAtUnixMs()
	}
	return e
}

func eventLines(o *pb.Order) []*pb.OrderEventLine {
	out := make([]*pb.OrderEventLine, 0, len(o.GetLines()))
	for _, l := range o.GetLines() {
		out = append(out, &pb.OrderEventLine{
			ProductId: l.GetProductId(), Quantity: l.GetQuantity(),
			UnitPriceMinor: l.GetUnitPriceMinor(), Currency: l.GetCurrency(),
		})
	}
	return out
}

// stockOf lists the order's allocations, line by line.
func stockOf(o *pb.Order) []*pb.OrderStock {
	var out []*pb.OrderStock
	for _, l := range o.GetLines() {
		for _, a := range l.GetAllocations() {
			out = append(out, &pb.OrderStock{ProductId: l.GetProductId(), WarehouseId: a.GetWarehouseId(), Quantity: a.GetQuantity()})
		}
	}
	return out
}
