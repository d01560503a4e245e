package stock

import (
	"errors"
	"fmt"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// ErrUnstamped: a transfer leg without its saga stamp (source and
// source_offset), which its deduplication needs.
var ErrUnstamped = errors.New("transfer leg has no saga stamp")

// markRefusedOut, in the recent window, remembers a refused debit, so that
// a re-sent debit for the same transfer is answered with the refusal.
const markRefusedOut = "tr:"

// Stamp names the saga input that first sent a command: "<topic>/<partition>"
// and the offset there. A re-send carries the stamp of the first send.
type Stamp struct {
	Source string
	Offset int64
}

// StampOf is the stamp a command carries.
func StampOf(cmd *pb.StockCommand) Stamp {
	return Stamp{Source: cmd.GetSource(), Offset: cmd.GetSourceOffset()}
}

// TransferOut debits qty from the level's available stock for a transfer:
// on_hand drops by qty, reserved is untouched, so on_hand never falls below
// reserved. When available is short nothing moves and the verdict is
// REPLY_STATUS_INSUFFICIENT with Quantity the available stock.
//
// Each stamp is applied at most once: a leg whose stamp is at or below the
// level's high-water mark for its source is a re-send and answers as the
// first send did (OK, or the refusal while the recent window remembers it)
// without changing the level.
func TransferOut(l *pb.StockLevel, transferID string, qty int64, stamp Stamp) (Verdict, error) {
	if err := checkLeg("transfer out", qty, stamp); err != nil {
		return Verdict{}, err
	}
	if seen(l, stamp) {
		if remembers(l, markRefusedOut+transferID) {
			return Verdict{Status: pb.ReplyStatus_REPLY_STATUS_INSUFFICIENT, Quantity: max(Available(l), 0)}, nil
		}
		return Verdict{Status: pb.ReplyStatus_REPLY_STATUS_OK, Quantity: qty}, nil
	}
	see(l, stamp)
	if Available(l) < qty {
		remember(l, markRefusedOut+transferID)
		return Verdict{Status: pb.ReplyStatus_REPLY_STATUS_INSUFFICIENT, Quantity: max(Available(l), 0), Changed: true}, nil
	}
	l.OnHand -= qty
	m := movement(l, pb.MovementKind_MOVEMENT_KIND_TRANSFER_OUT, -qty, 0, "")
	m.TransferId = transferID
	return changed(l, pb.ReplyStatus_REPLY_STATUS_OK, qty, m), nil
}

// TransferIn credits qty to the level's on_hand for a transfer. It never
// refuses: the source was debited, so the stock must land. A level never
// seen before is simply a new, empty level. A re-sent credit (its stamp at
// or below the source's high-water mark) answers OK without crediting.
func TransferIn(l *pb.StockLevel, transferID string, qty int64, stamp Stamp) (Verdict, error) {
	if err := checkLeg("transfer in", qty, stamp); err != nil {
		return Verdict{}, err
	}
	if seen(l, stamp) {
		return Verdict{Status: pb.ReplyStatus_REPLY_STATUS_OK, Quantity: qty}, nil
	}
	see(l, stamp)
	l.OnHand += qty
	m := movement(l, pb.MovementKind_MOVEMENT_KIND_TRANSFER_IN, qty, 0, "")
	m.TransferId = transferID
	return changed(l, pb.ReplyStatus_REPLY_STATUS_OK, qty, m), nil
}

func checkLeg(what string, qty int64, stamp Stamp) error {
	if qty <= 0 {
		return fmt.Errorf("%s %d: %w", what, qty, ErrInvalidQuantity)
	}
	if stamp.Source == "" || stamp.Offset < 0 {
		return fmt.Errorf("%s: %w", what, ErrUnstamped)
	}
	return nil
}

// seen reports whether a leg with this stamp was applied here: the saga
// sends a level its commands from one input partition in offset order, so
// anything at or below the high-water mark is a re-send.
func seen(l *pb.StockLevel, s Stamp) bool {
	hw, ok := l.GetTransferSources()[s.Source]
	return ok && s.Offset <= hw
}

func see(l *pb.StockLevel, s Stamp) {
	if l.TransferSources == nil {
		l.TransferSources = map[string]int64{}
	}
	l.TransferSources[s.Source] = s.Offset
}
