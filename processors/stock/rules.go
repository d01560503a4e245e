package stock

import (
	"errors"
	"fmt"
	"slices"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// Sentinel errors of the adjustment rules.
var (
	// ErrBelowReserved: the adjustment would leave on_hand below reserved
	// (or below zero).
	ErrBelowReserved = errors.New("on_hand would fall below reserved")
	// ErrCountMismatch: a count's expected_on_hand differs from on_hand.
	ErrCountMismatch = errors.New("on_hand differs from the expected value")
	// ErrInvalidQuantity: a quantity is out of range for the command.
	ErrInvalidQuantity = errors.New("invalid quantity")
)

// RecentWindow bounds how many applied command ids and closed order ids a
// level remembers. Holds dedupe by order id while open; the window catches
// a reserve redelivered after its hold closed, and the orders saga releases
// anything that slips past it.
const RecentWindow = 64

// Marks stored in the recent window.
const (
	markReleased  = "r:"
	markCommitted = "c:"
	markAdjusted  = "a:"
)

// Verdict is what a rule did to a level.
type Verdict struct {
	Status pb.ReplyStatus
	// Quantity held, released or committed.
	Quantity int64
	// Changed reports that the level must be stored.
	Changed bool
	// Movement is the stock movement to record, nil when neither on_hand nor
	// reserved changed.
	Movement *pb.StockMovement
}

// Available is on_hand minus reserved.
func Available(l *pb.StockLevel) int64 { return l.GetOnHand() - l.GetReserved() }

// CheckInvariants reports a broken level: it must hold 0 <= reserved <=
// on_hand and reserved must equal the sum of holds.
func CheckInvariants(l *pb.StockLevel) error {
	var sum int64
	for _, q := range l.GetHolds() {
		sum += q
	}
	switch {
	case l.GetReserved() < 0, l.GetReserved() > l.GetOnHand():
		return fmt.Errorf("reserved %d outside [0, on_hand %d]", l.GetReserved(), l.GetOnHand())
	case sum != l.GetReserved():
		return fmt.Errorf("holds sum to %d but reserved is %d", sum, l.GetReserved())
	}
	return nil
}

// Reserve holds up to qty for the order. Without allowPartial it holds all
// or nothing. A repeat for an open hold answers with that hold; a repeat
// after the hold closed holds nothing (REPLY_STATUS_CLOSED).
func Reserve(l *pb.StockLevel, orderID string, qty int64, allowPartial bool) (Verdict, error) {
	if qty <= 0 {
		return Verdict{}, fmt.Errorf("reserve %d: %w", qty, ErrInvalidQuantity)
	}
	if held, ok := l.GetHolds()[orderID]; ok {
		return Verdict{Status: pb.ReplyStatus_REPLY_STATUS_OK, Quantity: held}, nil
	}
	if remembers(l, markReleased+orderID) || remembers(l, markCommitted+orderID) {
		return Verdict{Status: pb.ReplyStatus_REPLY_STATUS_CLOSED}, nil
	}
	take := min(qty, Available(l))
	if take <= 0 || (take < qty && !allowPartial) {
		return Verdict{Status: pb.ReplyStatus_REPLY_STATUS_INSUFFICIENT}, nil
	}
	if l.Holds == nil {
		l.Holds = map[string]int64{}
	}
	l.Holds[orderID] = take
	l.Reserved += take
	status := pb.ReplyStatus_REPLY_STATUS_OK
	if take < qty {
		status = pb.ReplyStatus_REPLY_STATUS_INSUFFICIENT
	}
	return changed(l, status, take, movement(l, pb.MovementKind_MOVEMENT_KIND_RESERVE, 0, take, orderID)), nil
}

// Release drops the order's hold; reason is recorded on the movement.
// Releasing twice is harmless; releasing a hold that never existed
// remembers the order so that a late reserve for it holds nothing.
func Release(l *pb.StockLevel, orderID, reason string) Verdict {
	held, ok := l.GetHolds()[orderID]
	if !ok {
		return closeWithoutHold(l, markReleased+orderID, markCommitted+orderID)
	}
	delete(l.Holds, orderID)
	l.Reserved -= held
	remember(l, markReleased+orderID)
	m := movement(l, pb.MovementKind_MOVEMENT_KIND_RELEASE, 0, -held, orderID)
	m.Reason = reason
	return changed(l, pb.ReplyStatus_REPLY_STATUS_OK, held, m)
}

// Commit ships the order's hold: on_hand and reserved both drop by it.
func Commit(l *pb.StockLevel, orderID string) Verdict {
	held, ok := l.GetHolds()[orderID]
	if !ok {
		return closeWithoutHold(l, markCommitted+orderID, markReleased+orderID)
	}
	delete(l.Holds, orderID)
	l.Reserved -= held
	l.OnHand -= held
	remember(l, markCommitted+orderID)
	return changed(l, pb.ReplyStatus_REPLY_STATUS_OK, held, movement(l, pb.MovementKind_MOVEMENT_KIND_COMMIT, -held, -held, orderID))
}

// closeWithoutHold answers a release or commit that finds no hold: OK if
// the same close was applied before, CLOSED if the hold closed the other
// way, NO_HOLD otherwise (then remembered, so a late reserve is refused).
func closeWithoutHold(l *pb.StockLevel, same, other string) Verdict {
	switch {
	case remembers(l, same):
		return Verdict{Status: pb.ReplyStatus_REPLY_STATUS_OK}
	case remembers(l, other):
		return Verdict{Status: pb.ReplyStatus_REPLY_STATUS_CLOSED}
	}
	remember(l, same)
	return Verdict{Status: pb.ReplyStatus_REPLY_STATUS_NO_HOLD, Changed: true}
}

// Adjust changes on_hand by an adjustment, once per command id.
func Adjust(l *pb.StockLevel, commandID string, a *pb.Adjust) (Verdict, error) {
	if remembers(l, markAdjusted+commandID) {
		return Verdict{Status: pb.ReplyStatus_REPLY_STATUS_OK}, nil
	}
	next, err := adjustedOnHand(l, a)
	if err != nil {
		return Verdict{}, err
	}
	if next < l.GetReserved() || next < 0 {
		return Verdict{}, fmt.Errorf("on_hand %d with %d reserved: %w", next, l.GetReserved(), ErrBelowReserved)
	}
	delta := next - l.GetOnHand()
	l.OnHand = next
	remember(l, markAdjusted+commandID)
	m := movement(l, pb.MovementKind_MOVEMENT_KIND_ADJUST, delta, 0, "")
	m.Reason = a.GetReason()
	return changed(l, pb.ReplyStatus_REPLY_STATUS_OK, delta, m), nil
}

func adjustedOnHand(l *pb.StockLevel, a *pb.Adjust) (int64, error) {
	q := a.GetQuantity()
	switch a.GetKind() {
	case pb.AdjustKind_ADJUST_KIND_RECEIVE:
		if q <= 0 {
			return 0, fmt.Errorf("receive %d: %w", q, ErrInvalidQuantity)
		}
		return l.GetOnHand() + q, nil
	case pb.AdjustKind_ADJUST_KIND_COUNT:
		if q < 0 {
			return 0, fmt.Errorf("count %d: %w", q, ErrInvalidQuantity)
		}
		if a.ExpectedOnHand != nil && a.GetExpectedOnHand() != l.GetOnHand() {
			return 0, fmt.Errorf("expected %d, found %d: %w", a.GetExpectedOnHand(), l.GetOnHand(), ErrCountMismatch)
		}
		return q, nil
	case pb.AdjustKind_ADJUST_KIND_CORRECT:
		if q == 0 {
			return 0, fmt.Errorf("correct by 0: %w", ErrInvalidQuantity)
		}
		return l.GetOnHand() + q, nil
	}
	return 0, fmt.Errorf("adjust kind %v: %w", a.GetKind(), ErrInvalidQuantity)
}

func changed(l *pb.StockLevel, status pb.ReplyStatus, qty int64, m *pb.StockMovement) Verdict {
	return Verdict{Status: status, Quantity: qty, Changed: true, Movement: m}
}

// movement bumps the level's version and describes the change just made.
func movement(l *pb.StockLevel, kind pb.MovementKind, onHandDelta, reservedDelta int64, orderID string) *pb.StockMovement {
	l.Version++
	key := Key(l.GetProductId(), l.GetWarehouseId())
	return &pb.StockMovement{
		MovementId:    fmt.Sprintf("%s#%d", key, l.GetVersion()),
		ProductId:     l.GetProductId(),
		WarehouseId:   l.GetWarehouseId(),
		Kind:          kind,
		OnHandDelta:   onHandDelta,
		ReservedDelta: reservedDelta,
		OnHandAfter:   l.GetOnHand(),
		ReservedAfter: l.GetReserved(),
		OrderId:       orderID,
		Version:       l.GetVersion(),
	}
}

func remembers(l *pb.StockLevel, mark string) bool {
	return slices.Contains(l.GetRecent(), mark)
}

func remember(l *pb.StockLevel, mark string) {
	l.Recent = append(l.Recent, mark)
	if over := len(l.Recent) - RecentWindow; over > 0 {
		l.Recent = slices.Delete(l.Recent, 0, over)
	}
}
