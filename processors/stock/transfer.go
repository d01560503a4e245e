package stock

import (
	"fmt"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// Marks of the transfer legs in the recent window. They make each leg
// idempotent until stamp deduplication replaces them: a debit repeated for
// the same transfer answers as the first one did, and so does a credit.
const (
	markTransferredOut = "to:"
	markRefusedOut     = "tr:"
	markTransferredIn  = "ti:"
)

// TransferOut debits qty from the level's available stock for a transfer:
// on_hand drops by qty, reserved is untouched, so on_hand never falls below
// reserved. When available is short nothing moves and the verdict is
// REPLY_STATUS_INSUFFICIENT with Quantity the available stock; the refusal
// is remembered, so a re-sent debit for the same transfer is refused too
// (its saga has rejected it). A repeated successful debit answers OK
// without debiting again.
func TransferOut(l *pb.StockLevel, transferID string, qty int64) (Verdict, error) {
	if qty <= 0 {
		return Verdict{}, fmt.Errorf("transfer out %d: %w", qty, ErrInvalidQuantity)
	}
	switch {
	case remembers(l, markTransferredOut+transferID):
		return Verdict{Status: pb.ReplyStatus_REPLY_STATUS_OK, Quantity: qty}, nil
	case remembers(l, markRefusedOut+transferID):
		return Verdict{Status: pb.ReplyStatus_REPLY_STATUS_INSUFFICIENT, Quantity: max(Available(l), 0)}, nil
	}
	if Available(l) < qty {
		remember(l, markRefusedOut+transferID)
		return Verdict{Status: pb.ReplyStatus_REPLY_STATUS_INSUFFICIENT, Quantity: max(Available(l), 0), Changed: true}, nil
	}
	l.OnHand -= qty
	remember(l, markTransferredOut+transferID)
	m := movement(l, pb.MovementKind_MOVEMENT_KIND_TRANSFER_OUT, -qty, 0, "")
	m.TransferId = transferID
	return changed(l, pb.ReplyStatus_REPLY_STATUS_OK, qty, m), nil
}

// TransferIn credits qty to the level's on_hand for a transfer. It never
// refuses: the source was debited, so the stock must land. A level never
// seen before is simply a new, empty level. A repeated credit answers OK
// without crediting again.
func TransferIn(l *pb.StockLevel, transferID string, qty int64) (Verdict, error) {
	if qty <= 0 {
		return Verdict{}, fmt.Errorf("transfer in %d: %w", qty, ErrInvalidQuantity)
	}
	if remembers(l, markTransferredIn+transferID) {
		return Verdict{Status: pb.ReplyStatus_REPLY_STATUS_OK, Quantity: qty}, nil
	}
	l.OnHand += qty
	remember(l, markTransferredIn+transferID)
	m := movement(l, pb.MovementKind_MOVEMENT_KIND_TRANSFER_IN, qty, 0, "")
	m.TransferId = transferID
	return changed(l, pb.ReplyStatus_REPLY_STATUS_OK, qty, m), nil
}
