package stock

import (
	"errors"
	"fmt"
	"math"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// ErrUnstamped: a transfer leg without its saga stamp (source and
// source_offset): without it a re-send could not be recognised.
var ErrUnstamped = errors.New("transfer leg has no saga stamp")

// TransferOut debits qty from the level's available stock for a transfer:
// on_hand drops by qty, reserved is untouched, so on_hand never falls below
// reserved. When available is short nothing moves and the verdict is
// REPLY_STATUS_INSUFFICIENT with Quantity the available stock. Like every
// saga command, a leg is applied once per stamp (see Resent).
func TransferOut(l *pb.StockLevel, transferID string, qty int64) (Verdict, error) {
	if qty <= 0 {
		return Verdict{}, fmt.Errorf("transfer out %d: %w", qty, ErrInvalidQuantity)
	}
	if Available(l) < qty {
		return Verdict{Status: pb.ReplyStatus_REPLY_STATUS_INSUFFICIENT, Quantity: max(Available(l), 0)}, nil
	}
	l.OnHand -= qty
	m := movement(l, pb.MovementKind_MOVEMENT_KIND_TRANSFER_OUT, -qty, 0, "")
	m.TransferId = transferID
	return Verdict{Status: pb.ReplyStatus_REPLY_STATUS_OK, Quantity: qty, Movement: m}, nil
}

// TransferIn credits qty to the level's on_hand for a transfer. It never
// refuses: the source was debited, so the stock must land. A level never
// seen before is simply a new, empty level.
func TransferIn(l *pb.StockLevel, transferID string, qty int64) (Verdict, error) {
	if qty <= 0 {
		return Verdict{}, fmt.Errorf("transfer in %d: %w", qty, ErrInvalidQuantity)
	}
	if l.GetOnHand() > math.MaxInt64-qty {
		return Verdict{}, fmt.Errorf("transfer in %d onto %d overflows: %w", qty, l.GetOnHand(), ErrInvalidQuantity)
	}
	l.OnHand += qty
	m := movement(l, pb.MovementKind_MOVEMENT_KIND_TRANSFER_IN, qty, 0, "")
	m.TransferId = transferID
	return Verdict{Status: pb.ReplyStatus_REPLY_STATUS_OK, Quantity: qty, Movement: m}, nil
}

// transferLeg applies a leg and names the transfer it answers.
func transferLeg(level *pb.StockLevel, cmd *pb.StockCommand) (v Verdict, transferID string, requested int64, err error) {
	if cmd.GetSource() == "" {
		return Verdict{}, "", 0, fmt.Errorf("%s: %w", cmd.GetCommandId(), ErrUnstamped)
	}
	switch k := cmd.GetKind().(type) {
	case *pb.StockCommand_TransferOut:
		transferID, requested = k.TransferOut.GetTransferId(), k.TransferOut.GetQuantity()
	case *pb.StockCommand_TransferIn:
		transferID, requested = k.TransferIn.GetTransferId(), k.TransferIn.GetQuantity()
	}
	if transferID == "" {
		// Checked before the leg is applied: a refused command leaves the
		// level as it was.
		return Verdict{}, "", requested, fmt.Errorf("%s has no transfer id: %w", cmd.GetCommandId(), ErrInvalidQuantity)
	}
	if cmd.GetTransferOut() != nil {
		v, err = TransferOut(level, transferID, requested)
	} else {
		v, err = TransferIn(level, transferID, requested)
	}
	return v, transferID, requested, err
}
