package stock

import (
	"errors"
	"fmt"
	"math"
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

// RecentWindow bounds how many applied adjustment ids a level remembers.
// Adjustments come from operators through the API (a retry carries the same
// command id); saga commands are deduplicated by their stamps instead.
const RecentWindow = 64

// markAdjusted prefixes adjustment ids in the recent window.
const markAdjusted = "a:"

// Sentinel errors of the hold rules.
var (
	// ErrNotHeld: a release or commit asks for more than is reserved, which
	// only a saga bug could send; nothing is changed.
	ErrNotHeld = errors.New("quantity is not reserved here")
)

// Verdict is what a rule did to a level.
type Verdict struct {
	Status pb.ReplyStatus
	// Quantity held, released or committed.
	Quantity int64
	// Movement is the stock movement to record, nil when neither on_hand nor
	// reserved changed.
	Movement *pb.StockMovement
}

// Available is on_hand minus reserved.
func Available(l *pb.StockLevel) int64 { return l.GetOnHand() - l.GetReserved() }

// CheckInvariants reports a broken level: it must hold 0 <= reserved <= on_hand.
func CheckInvariants(l *pb.StockLevel) error {
	if l.GetReserved() < 0 || l.GetReserved() > l.GetOnHand() {
		return fmt.Errorf("reserved %d outside [0, on_hand %d]", l.GetReserved(), l.GetOnHand())
	}
	return nil
}

// RecentStampsPerSource bounds the stamps a level remembers per saga
// source (see Resent).
const RecentStampsPerSource = 32

// Resent reports whether a saga command stamped (source, offset) was
// applied before.
//
// A saga partition's commands to one level carry increasing stamps, so a
// stamp above the source's high-water mark is new. One at or below it is
// a re-send, or a command that was lost while a later one landed (a
// producer failed it at once in a broker cut, then delivered the next):
// the level keeps the source's latest RecentStampsPerSource applied
// stamps, so within that window a stamp it does not hold was never
// applied. Below the window (or on a level stored before the window
// existed), a stamp at or below the mark is taken as applied.
func Resent(l *pb.StockLevel, source string, offset int64) bool {
	applied, ok := l.GetSources()[source]
	if source == "" || !ok || offset > applied {
		return false
	}
	recent := l.GetRecentStamps()[source].GetOffsets()
	if len(recent) == 0 || offset < recent[0] {
		return true
	}
	_, found := slices.BinarySearch(recent, offset)
	return found
}

// BelowWindow reports whether Resent took a stamp for applied only because
// it is below the source's window: the one case where the level cannot
// tell a re-send from a command lost while more than
// RecentStampsPerSource later ones landed (docs/architecture.md, Known
// gaps).
func BelowWindow(l *pb.StockLevel, source string, offset int64) bool {
	applied, ok := l.GetSources()[source]
	if source == "" || !ok || offset > applied {
		return false
	}
	recent := l.GetRecentStamps()[source].GetOffsets()
	return len(recent) == 0 || offset < recent[0]
}

// MarkApplied records a saga command's stamp.
func MarkApplied(l *pb.StockLevel, source string, offset int64) {
	if source == "" {
		return
	}
	if l.Sources == nil {
		l.Sources = map[string]int64{}
	}
	l.Sources[source] = max(l.Sources[source], offset)
	if l.RecentStamps == nil {
		l.RecentStamps = map[string]*pb.AppliedStamps{}
	}
	stamps := l.RecentStamps[source]
	if stamps == nil {
		stamps = &pb.AppliedStamps{}
		l.RecentStamps[source] = stamps
	}
	// Keep the window the latest stamps, ascending: a lost command applied
	// late goes in its place, and only the smallest is ever dropped, so
	// every applied stamp at or above the first is in the window.
	i, found := slices.BinarySearch(stamps.Offsets, offset)
	if !found {
		stamps.Offsets = slices.Insert(stamps.Offsets, i, offset)
	}
	if over := len(stamps.Offsets) - RecentStampsPerSource; over > 0 {
		stamps.Offsets = slices.Delete(stamps.Offsets, 0, over)
	}
}

// Reserve holds up to qty for the order. Without allowPartial it holds all
// or nothing. It costs the same however many orders hold stock here.
func Reserve(l *pb.StockLevel, orderID string, qty int64, allowPartial bool) (Verdict, error) {
	if qty <= 0 {
		return Verdict{}, fmt.Errorf("reserve %d: %w", qty, ErrInvalidQuantity)
	}
	take := min(qty, Available(l))
	if take <= 0 || (take < qty && !allowPartial) {
		return Verdict{Status: pb.ReplyStatus_REPLY_STATUS_INSUFFICIENT}, nil
	}
	l.Reserved += take
	status := pb.ReplyStatus_REPLY_STATUS_OK
	if take < qty {
		status = pb.ReplyStatus_REPLY_STATUS_INSUFFICIENT
	}
	return Verdict{Status: status, Quantity: take, Movement: movement(l, pb.MovementKind_MOVEMENT_KIND_RESERVE, 0, take, orderID)}, nil
}

// Release returns qty the order holds here to available; reason is
// recorded on the movement.
func Release(l *pb.StockLevel, orderID string, qty int64, reason string) (Verdict, error) {
	if err := checkHeld(l, qty); err != nil {
		return Verdict{}, err
	}
	l.Reserved -= qty
	m := movement(l, pb.MovementKind_MOVEMENT_KIND_RELEASE, 0, -qty, orderID)
	m.Reason = reason
	return Verdict{Status: pb.ReplyStatus_REPLY_STATUS_OK, Quantity: qty, Movement: m}, nil
}

// Commit ships qty the order holds here: on_hand and reserved both drop.
func Commit(l *pb.StockLevel, orderID string, qty int64) (Verdict, error) {
	if err := checkHeld(l, qty); err != nil {
		return Verdict{}, err
	}
	l.Reserved -= qty
	l.OnHand -= qty
	return Verdict{Status: pb.ReplyStatus_REPLY_STATUS_OK, Quantity: qty, Movement: movement(l, pb.MovementKind_MOVEMENT_KIND_COMMIT, -qty, -qty, orderID)}, nil
}

func checkHeld(l *pb.StockLevel, qty int64) error {
	switch {
	case qty <= 0:
		return fmt.Errorf("close %d: %w", qty, ErrInvalidQuantity)
	case qty > l.GetReserved():
		return fmt.Errorf("close %d with %d reserved: %w", qty, l.GetReserved(), ErrNotHeld)
	}
	return nil
}

// Adjust changes on_hand by an adjustment, once per command id.
func Adjust(l *pb.StockLevel, commandID string, a *pb.Adjust) (Verdict, error) {
	if slices.Contains(l.GetRecent(), markAdjusted+commandID) {
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
	m.AdjustKind = a.GetKind()
	return Verdict{Status: pb.ReplyStatus_REPLY_STATUS_OK, Quantity: delta, Movement: m}, nil
}

// Sentinel errors of an adjustment's quantity, by kind.
var (
	// ErrReceiveNotPositive: a receipt of 0 or less.
	ErrReceiveNotPositive = fmt.Errorf("quantity must be greater than 0 to receive stock: %w", ErrInvalidQuantity)
	// ErrCountNegative: a count below 0.
	ErrCountNegative = fmt.Errorf("quantity must be 0 or more for a count: %w", ErrInvalidQuantity)
	// ErrCorrectZero: a correction by 0.
	ErrCorrectZero = fmt.Errorf("quantity must not be 0 for a correction: %w", ErrInvalidQuantity)
)

// CheckAdjustQuantity is the quantity rule of an adjustment kind: receive
// more than 0, count 0 or more, correct by anything but 0. The API applies
// it before producing; the processor again before applying.
func CheckAdjustQuantity(kind pb.AdjustKind, q int64) error {
	switch {
	case kind == pb.AdjustKind_ADJUST_KIND_RECEIVE && q <= 0:
		return ErrReceiveNotPositive
	case kind == pb.AdjustKind_ADJUST_KIND_COUNT && q < 0:
		return ErrCountNegative
	case kind == pb.AdjustKind_ADJUST_KIND_CORRECT && q == 0:
		return ErrCorrectZero
	}
	return nil
}

func adjustedOnHand(l *pb.StockLevel, a *pb.Adjust) (int64, error) {
	q := a.GetQuantity()
	if err := CheckAdjustQuantity(a.GetKind(), q); err != nil {
		return 0, err
	}
	switch a.GetKind() {
	case pb.AdjustKind_ADJUST_KIND_RECEIVE, pb.AdjustKind_ADJUST_KIND_CORRECT:
		if q > 0 && l.GetOnHand() > math.MaxInt64-q {
			return 0, fmt.Errorf("on_hand %d + %d overflows: %w", l.GetOnHand(), q, ErrInvalidQuantity)
		}
		return l.GetOnHand() + q, nil
	case pb.AdjustKind_ADJUST_KIND_COUNT:
		if a.ExpectedOnHand != nil && a.GetExpectedOnHand() != l.GetOnHand() {
			return 0, fmt.Errorf("expected %d, found %d: %w", a.GetExpectedOnHand(), l.GetOnHand(), ErrCountMismatch)
		}
		return q, nil
	}
	return 0, fmt.Errorf("adjust kind %v: %w", a.GetKind(), ErrInvalidQuantity)
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

func remember(l *pb.StockLevel, mark string) {
	l.Recent = append(l.Recent, mark)
	if over := len(l.Recent) - RecentWindow; over > 0 {
		l.Recent = slices.Delete(l.Recent, 0, over)
	}
}
