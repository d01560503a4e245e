package orders

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/stockflow/stockflow/processors/stock"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// Sentinel errors of the saga's transitions.
var (
	// ErrInvalidOrder: a place command the API should never have produced.
	ErrInvalidOrder = errors.New("invalid order")
	// ErrWrongStatus: pay or cancel in a status that does not allow it.
	ErrWrongStatus = errors.New("order status does not allow this")
	// ErrBadReply: a stock reply that answers an outstanding command but
	// does not match it (another product, warehouse or kind, or more held
	// than asked for): only a broken producer sends it.
	ErrBadReply = errors.New("stock reply does not match the command it answers")
)

// Effects are what a transition asks the processor to emit.
type Effects struct {
	// Stock commands, each keyed by product@warehouse. Each is also in the
	// state's outstanding list until its reply arrives; the processor
	// stamps them before storing the state.
	Commands []*pb.StockCommand
	// Publish asks for the order to be published as an outcome (it reached,
	// or was asked again for, a decided status).
	Publish bool
	// Changed reports that the state must be stored.
	Changed bool
	// Schedule asks the timer to expire the order at its expires_at.
	Schedule bool
}

// Place starts a new order and sends the first reservation of every line.
func Place(orderID string, p *pb.PlaceOrder, now time.Time) (*pb.OrderState, Effects, error) {
	if err := validatePlace(p); err != nil {
		return nil, Effects{}, err
	}
	o := &pb.Order{
		Id: orderID, UserId: p.GetUserId(), ShopId: p.GetShopId(),
		Status:          pb.OrderStatus_ORDER_STATUS_PENDING,
		CreatedAtUnixMs: now.UnixMilli(),
		ExpiresAtUnixMs: now.Add(time.Duration(p.GetTtlSeconds()) * time.Second).UnixMilli(),
		RequestHash:     p.GetRequestHash(),
	}
	s := &pb.OrderState{Order: o}
	var eff Effects
	for _, l := range p.GetLines() {
		o.Lines = append(o.Lines, &pb.OrderLine{
			ProductId: l.GetProductId(), Quantity: l.GetQuantity(),
			UnitPriceMinor: l.GetUnitPriceMinor(), Currency: l.GetCurrency(),
		})
		s.Progress = append(s.Progress, &pb.LineProgress{Candidates: slices.Clone(l.GetWarehouseIds())})
	}
	for i := range s.Progress {
		if len(s.Progress[i].Candidates) == 0 {
			return s, reject(s, i, now), nil
		}
	}
	for i := range s.Progress {
		send(s, &eff, reserveNext(s, i))
	}
	touch(s, now)
	eff.Changed = true
	return s, eff, nil
}

func validatePlace(p *pb.PlaceOrder) error {
	if len(p.GetLines()) == 0 {
		return fmt.Errorf("no lines: %w", ErrInvalidOrder)
	}
	ids := make([]string, len(p.GetLines()))
	for i, l := range p.GetLines() {
		if l.GetQuantity() <= 0 || l.GetProductId() == "" {
			return fmt.Errorf("line %d (%q x %d): %w", i, l.GetProductId(), l.GetQuantity(), ErrInvalidOrder)
		}
		ids[i] = l.GetProductId()
	}
	if i, j, repeated := RepeatedProduct(ids); repeated {
		return fmt.Errorf("line %d repeats line %d's product %q: %w", i, j, ids[i], ErrInvalidOrder)
	}
	return nil
}

// OnReply applies a stock processor's reply to the command it answers.
// A reply to nothing outstanding (a duplicate: the relay delivers at least
// once) changes nothing.
func OnReply(s *pb.OrderState, r *pb.StockReply, now time.Time) Effects {
	if CheckReply(s, r) != nil || !answered(s, r.GetCommandId()) {
		return Effects{}
	}
	touch(s, now)
	eff := Effects{Changed: true}
	if r.GetKind() != pb.StockCommandKind_STOCK_COMMAND_KIND_RESERVE {
		return eff
	}
	i := lineOf(s, r.GetProductId())
	line, prog := s.Order.Lines[i], s.Progress[i]
	prog.Awaiting = ""
	if r.GetQuantity() > 0 {
		line.Allocations = append(line.Allocations, &pb.Allocation{WarehouseId: r.GetWarehouseId(), Quantity: r.GetQuantity()})
	}
	if s.Order.GetStatus() != pb.OrderStatus_ORDER_STATUS_PENDING {
		// Closed while this reserve was in flight: give back what it held.
		if r.GetQuantity() > 0 {
			send(s, &eff, releaseCmd(s, line.GetProductId(), r.GetWarehouseId(), r.GetQuantity(), closeReason(s)))
		}
		return eff
	}
	if remaining(line) > 0 {
		if len(prog.Candidates) == 0 {
			return reject(s, i, now)
		}
		send(s, &eff, reserveNext(s, i))
		return eff
	}
	if allHeld(s) {
		s.Order.Status, _, _ = next(s.Order.GetStatus(), EventHeld)
		s.Order.ReservedAtUnixMs = now.UnixMilli()
		return Effects{Publish: true, Changed: true, Schedule: true}
	}
	return eff
}

// CheckReply reports a reply that answers one of the order's outstanding
// commands without matching it (ErrBadReply). A reply that answers nothing
// outstanding is fine: a duplicate, which OnReply ignores.
func CheckReply(s *pb.OrderState, r *pb.StockReply) error {
	i := slices.IndexFunc(s.GetOutstanding(), func(c *pb.StockCommand) bool { return c.GetCommandId() == r.GetCommandId() })
	if i < 0 || s.GetOrder() == nil {
		return nil
	}
	c := s.Outstanding[i]
	switch {
	case r.GetProductId() != c.GetProductId() || r.GetWarehouseId() != c.GetWarehouseId():
		return fmt.Errorf("reply for %s@%s to %s: %w", r.GetProductId(), r.GetWarehouseId(), c.GetCommandId(), ErrBadReply)
	case r.GetKind() != stock.KindOf(c):
		return fmt.Errorf("%v reply to %s: %w", r.GetKind(), c.GetCommandId(), ErrBadReply)
	case c.GetReserve() != nil && (r.GetQuantity() < 0 || r.GetQuantity() > c.GetReserve().GetQuantity()):
		return fmt.Errorf("%d held for a reserve of %d: %w", r.GetQuantity(), c.GetReserve().GetQuantity(), ErrBadReply)
	case c.GetReserve() != nil && lineOf(s, c.GetProductId()) < 0:
		return fmt.Errorf("reserve %s is for no line of the order: %w", c.GetCommandId(), ErrBadReply)
	}
	return nil
}

// merge combines the effects of two transitions applied in turn.
func merge(a, b Effects) Effects {
	return Effects{
		Commands: append(a.Commands, b.Commands...),
		Publish:  a.Publish || b.Publish, Changed: a.Changed || b.Changed, Schedule: a.Schedule || b.Schedule,
	}
}

// answered removes the outstanding command id answers and reports whether
// there was one.
func answered(s *pb.OrderState, commandID string) bool {
	if s.GetOrder() == nil {
		return false
	}
	for i, c := range s.Outstanding {
		if c.GetCommandId() == commandID {
			s.Outstanding = slices.Delete(s.Outstanding, i, i+1)
			return true
		}
	}
	return false
}

// send emits cmd and keeps it outstanding until its reply arrives.
func send(s *pb.OrderState, eff *Effects, cmd *pb.StockCommand) {
	eff.Commands = append(eff.Commands, cmd)
	s.Outstanding = append(s.Outstanding, cmd)
}

func lineOf(s *pb.OrderState, productID string) int {
	return slices.IndexFunc(s.Order.Lines, func(l *pb.OrderLine) bool { return l.GetProductId() == productID })
}

// closeReason is the release reason of a closed order's status.
func closeReason(s *pb.OrderState) string {
	switch s.Order.GetStatus() {
	case pb.OrderStatus_ORDER_STATUS_EXPIRED:
		return "expired"
	case pb.OrderStatus_ORDER_STATUS_REJECTED:
		return "rejected"
	}
	if r := s.Order.GetCancelReason(); r != "" {
		return r
	}
	return "cancelled"
}

// Pay commits every hold of a reserved order and records the caller's
// payment reference (may be empty). Paying a paid order again changes
// nothing: the first payment's reference stays.
func Pay(s *pb.OrderState, reference string, now time.Time) (Effects, error) {
	to, repeat, ok := next(s.GetOrder().GetStatus(), EventPay)
	switch {
	case !ok:
		return Effects{}, fmt.Errorf("order is %s: %w", statusName(s), ErrWrongStatus)
	case repeat:
		return Effects{Publish: true}, nil
	case now.UnixMilli() >= s.GetOrder().GetExpiresAtUnixMs():
		return Effects{}, fmt.Errorf("reservation expired at %s: %w", time.UnixMilli(s.GetOrder().GetExpiresAtUnixMs()).UTC().Format(time.RFC3339), ErrWrongStatus)
	}
	s.Order.Status = to
	s.Order.PaymentReference = reference
	s.Order.PaidAtUnixMs, s.Order.ClosedAtUnixMs = now.UnixMilli(), now.UnixMilli()
	touch(s, now)
	eff := Effects{Publish: true, Changed: true}
	settle(s, &eff, commitCmd)
	return eff, nil
}

// Cancel releases a pending or reserved order's holds.
func Cancel(s *pb.OrderState, reason string, now time.Time) (Effects, error) {
	to, repeat, ok := next(s.GetOrder().GetStatus(), EventCancel)
	switch {
	case !ok:
		return Effects{}, fmt.Errorf("order is %s: %w", statusName(s), ErrWrongStatus)
	case repeat:
		return Effects{Publish: true}, nil
	}
	return closeOrder(s, to, reason, now), nil
}

// Expire releases a reserved order whose deadline has passed. Anything
// else (paid, cancelled, not yet due) is left alone.
func Expire(s *pb.OrderState, now time.Time) Effects {
	to, repeat, ok := next(s.GetOrder().GetStatus(), EventExpire)
	if !ok || repeat || now.UnixMilli() < s.GetOrder().GetExpiresAtUnixMs() {
		return Effects{}
	}
	return closeOrder(s, to, "expired", now)
}

// reject marks the order rejected because line i cannot be held, and
// releases everything held or being held.
func reject(s *pb.OrderState, i int, now time.Time) Effects {
	line := s.Order.Lines[i]
	held := line.GetQuantity() - remaining(line)
	s.Order.Problem = &pb.Problem{
		Code:   pb.ErrorCode_ERROR_CODE_INSUFFICIENT_STOCK,
		Detail: fmt.Sprintf("insufficient stock for product %s: requested %d, %d available in the shop's active warehouses", line.GetProductId(), line.GetQuantity(), held),
		Field:  fmt.Sprintf("lines[%d].quantity", i),
	}
	to, _, _ := next(pb.OrderStatus_ORDER_STATUS_PENDING, EventShort)
	return closeOrder(s, to, "rejected", now)
}

func closeOrder(s *pb.OrderState, status pb.OrderStatus, reason string, now time.Time) Effects {
	s.Order.Status = status
	s.Order.ClosedAtUnixMs = now.UnixMilli()
	if status == pb.OrderStatus_ORDER_STATUS_CANCELLED {
		s.Order.CancelReason = reason
		s.Order.CancelledAtUnixMs = now.UnixMilli()
	}
	eff := Effects{Publish: true, Changed: true}
	settle(s, &eff, func(s *pb.OrderState, product, warehouse string, qty int64) *pb.StockCommand {
		return releaseCmd(s, product, warehouse, qty, reason)
	})
	touch(s, now)
	return eff
}

// settle sends one command per allocation. A reserve still in flight is
// settled when its reply arrives (see OnReply).
func settle(s *pb.OrderState, eff *Effects, build func(s *pb.OrderState, product, warehouse string, qty int64) *pb.StockCommand) {
	for _, line := range s.Order.Lines {
		for _, a := range line.GetAllocations() {
			send(s, eff, build(s, line.GetProductId(), a.GetWarehouseId(), a.GetQuantity()))
		}
	}
}

// reserveNext sends line i's remainder to its next candidate warehouse.
func reserveNext(s *pb.OrderState, i int) *pb.StockCommand {
	prog, line := s.Progress[i], s.Order.Lines[i]
	w := prog.Candidates[0]
	prog.Candidates = prog.Candidates[1:]
	prog.Awaiting = w
	prog.Contacted = append(prog.Contacted, w)
	return reserveCmd(s, line, w)
}

// reserveCmd asks warehouse w to hold what line still lacks.
func reserveCmd(s *pb.OrderState, line *pb.OrderLine, w string) *pb.StockCommand {
	cmd := stockCmd(s, "reserve", line.GetProductId(), w)
	cmd.Kind = &pb.StockCommand_Reserve{Reserve: &pb.Reserve{
		OrderId: s.Order.GetId(), Quantity: remaining(line), AllowPartial: true,
	}}
	return cmd
}

func releaseCmd(s *pb.OrderState, product, warehouse string, qty int64, reason string) *pb.StockCommand {
	cmd := stockCmd(s, "release", product, warehouse)
	cmd.Kind = &pb.StockCommand_Release{Release: &pb.Release{OrderId: s.Order.GetId(), Quantity: qty, Reason: reason}}
	return cmd
}

func commitCmd(s *pb.OrderState, product, warehouse string, qty int64) *pb.StockCommand {
	cmd := stockCmd(s, "commit", product, warehouse)
	cmd.Kind = &pb.StockCommand_Commit{Commit: &pb.Commit{OrderId: s.Order.GetId(), Quantity: qty}}
	return cmd
}

// stockCmd builds a command with an id derived from what it does, so that
// a re-run of the same transition produces the same command.
func stockCmd(s *pb.OrderState, verb, product, warehouse string) *pb.StockCommand {
	return &pb.StockCommand{
		CommandId:      fmt.Sprintf("%s/%s/%s/%d", s.Order.GetId(), verb, stock.Key(product, warehouse), s.Order.GetVersion()),
		ProductId:      product,
		WarehouseId:    warehouse,
		IssuedAtUnixMs: s.Order.GetUpdatedAtUnixMs(),
	}
}

func remaining(line *pb.OrderLine) int64 {
	q := line.GetQuantity()
	for _, a := range line.GetAllocations() {
		q -= a.GetQuantity()
	}
	return q
}

func allHeld(s *pb.OrderState) bool {
	for i, line := range s.Order.Lines {
		if remaining(line) > 0 || s.Progress[i].GetAwaiting() != "" {
			return false
		}
	}
	return true
}

func touch(s *pb.OrderState, now time.Time) {
	s.Order.Version++
	s.Order.UpdatedAtUnixMs = now.UnixMilli()
}

func statusName(s *pb.OrderState) string { return StatusName(s.GetOrder().GetStatus()) }
