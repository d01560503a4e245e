package transfers

import (
	"errors"
	"fmt"
	"strings"
	"time"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// Sentinel errors of the saga's transitions.
var (
	// ErrInvalidTransfer: a request the API should never have produced.
	ErrInvalidTransfer = errors.New("invalid transfer")
	// ErrNotInTransit: a receipt for a transfer that was not shipped in
	// transit (still requested, or rejected).
	ErrNotInTransit = errors.New("transfer is not in transit")
	// ErrBadReply: a reply that answers the outstanding leg without
	// matching it (another product, warehouse or kind, or a status that leg
	// cannot have): only a broken producer sends it.
	ErrBadReply = errors.New("stock reply does not match the leg it answers")
)

// Stamp names the saga input that first sent a stock command: its
// "<topic>/<partition>" and offset. The stock processor applies each stamp
// at most once, and a re-send carries the stamp of the first send.
type Stamp struct {
	Source string
	Offset int64
}

// Effects are what a transition asks the processor to emit.
type Effects struct {
	// Command is the stock command to send, nil for none.
	Command *pb.StockCommand
	// Changed reports that the state must be stored.
	Changed bool
	// Publish asks for the transfer to be published as an outcome (it is
	// decided, or was asked again).
	Publish bool
	// Event is the transfer event to emit; UNSPECIFIED for none.
	Event pb.TransferEventKind
}

// Request starts a transfer and sends the debit to the source level, or
// rejects it at once when the destination warehouse is inactive
// (destination may be nil when the warehouses table does not know it yet).
func Request(id string, r *pb.RequestTransfer, destination *pb.Warehouse, stamp Stamp, now time.Time) (*pb.TransferState, Effects, error) {
	if err := validate(r); err != nil {
		return nil, Effects{}, err
	}
	t := &pb.Transfer{
		Id: id, ProductId: r.GetProductId(), FromWarehouseId: r.GetFromWarehouseId(), ToWarehouseId: r.GetToWarehouseId(),
		Quantity: r.GetQuantity(), Reason: r.GetReason(), Reference: r.GetReference(), RequestHash: r.GetRequestHash(),
		InTransit: r.GetInTransit(),
		Status:    pb.TransferStatus_TRANSFER_STATUS_REQUESTED, CreatedAtUnixMs: now.UnixMilli(),
	}
	s := &pb.TransferState{Transfer: t}
	touch(t, now)
	if destination.GetStatus() == pb.WarehouseStatus_WAREHOUSE_STATUS_INACTIVE {
		return s, reject(s, &pb.Problem{
			Code:   pb.ErrorCode_ERROR_CODE_CONFLICT,
			Detail: fmt.Sprintf("warehouse %s is inactive: transfers into an inactive warehouse are refused", t.GetToWarehouseId()),
			Field:  "to_warehouse_id",
		}, now), nil
	}
	s.Outstanding = legCmd(t, "out", t.GetFromWarehouseId(), stamp, now)
	return s, Effects{Command: s.Outstanding, Changed: true, Event: pb.TransferEventKind_TRANSFER_EVENT_KIND_REQUESTED}, nil
}

func validate(r *pb.RequestTransfer) error {
	switch {
	case r.GetQuantity() <= 0:
		return fmt.Errorf("quantity %d: %w", r.GetQuantity(), ErrInvalidTransfer)
	case r.GetProductId() == "" || r.GetFromWarehouseId() == "" || r.GetToWarehouseId() == "":
		return fmt.Errorf("product, source and destination are required: %w", ErrInvalidTransfer)
	case r.GetFromWarehouseId() == r.GetToWarehouseId():
		return fmt.Errorf("source and destination are both %s: %w", r.GetFromWarehouseId(), ErrInvalidTransfer)
	}
	return nil
}

// OnReply applies the stock processor's answer to the outstanding leg. A
// confirmed debit sends the credit (stamped with this reply's input), or
// for an in-transit transfer ships it (the credit waits for Receive); a
// refused debit rejects the transfer; the confirmed credit completes it.
// A reply to anything but the outstanding command (a duplicate, or a late
// answer to a re-send) changes nothing.
func OnReply(s *pb.TransferState, r *pb.StockReply, stamp Stamp, now time.Time) Effects {
	out := s.GetOutstanding()
	if out == nil || r.GetCommandId() != out.GetCommandId() {
		return Effects{}
	}
	t := s.Transfer
	switch {
	case r.GetKind() == pb.StockCommandKind_STOCK_COMMAND_KIND_TRANSFER_OUT && r.GetStatus() == pb.ReplyStatus_REPLY_STATUS_OK:
		t.DebitedAtUnixMs = now.UnixMilli()
		touch(t, now)
		if t.GetInTransit() {
			t.Status = pb.TransferStatus_TRANSFER_STATUS_IN_TRANSIT
			s.Outstanding = nil
			return Effects{Changed: true, Publish: true, Event: pb.TransferEventKind_TRANSFER_EVENT_KIND_IN_TRANSIT}
		}
		s.Outstanding = legCmd(t, "in", t.GetToWarehouseId(), stamp, now)
		return Effects{Command: s.Outstanding, Changed: true}
	case r.GetKind() == pb.StockCommandKind_STOCK_COMMAND_KIND_TRANSFER_OUT && r.GetStatus() == pb.ReplyStatus_REPLY_STATUS_INSUFFICIENT:
		return reject(s, &pb.Problem{
			Code: pb.ErrorCode_ERROR_CODE_INSUFFICIENT_STOCK,
			Detail: fmt.Sprintf("insufficient stock for product %s in warehouse %s: requested %d, %d available",
				t.GetProductId(), t.GetFromWarehouseId(), t.GetQuantity(), r.GetQuantity()),
			Field: "quantity",
		}, now)
	case r.GetKind() == pb.StockCommandKind_STOCK_COMMAND_KIND_TRANSFER_IN && r.GetStatus() == pb.ReplyStatus_REPLY_STATUS_OK:
		t.Status = pb.TransferStatus_TRANSFER_STATUS_COMPLETED
		t.CompletedAtUnixMs = now.UnixMilli()
		touch(t, now)
		s.Outstanding = nil
		return Effects{Changed: true, Publish: true, Event: pb.TransferEventKind_TRANSFER_EVENT_KIND_COMPLETED}
	}
	return Effects{}
}

// CheckReply reports a reply that answers the outstanding leg without
// matching it (ErrBadReply): another level or kind, a status the leg
// cannot have, or a quantity that contradicts the status (a debit or
// credit confirmed for other than the leg's quantity, a debit refused
// with as much available as asked). A reply to anything else is a duplicate,
// which OnReply ignores.
func CheckReply(s *pb.TransferState, r *pb.StockReply) error {
	out := s.GetOutstanding()
	if out == nil || r.GetCommandId() != out.GetCommandId() {
		return nil
	}
	ok := r.GetStatus() == pb.ReplyStatus_REPLY_STATUS_OK
	q := out.GetTransferOut().GetQuantity() + out.GetTransferIn().GetQuantity() // the leg's
	switch {
	case r.GetProductId() != out.GetProductId() || r.GetWarehouseId() != out.GetWarehouseId():
		return fmt.Errorf("reply for %s@%s to %s: %w", r.GetProductId(), r.GetWarehouseId(), out.GetCommandId(), ErrBadReply)
	case ok && r.GetQuantity() != q, !ok && (r.GetQuantity() < 0 || r.GetQuantity() >= q):
		// A debit or credit moves the whole quantity or, refused, says
		// how much less is available.
		return fmt.Errorf("%v for %d of %d: %w", r.GetStatus(), r.GetQuantity(), q, ErrBadReply)
	case out.GetTransferOut() != nil && r.GetKind() == pb.StockCommandKind_STOCK_COMMAND_KIND_TRANSFER_OUT &&
		(ok || r.GetStatus() == pb.ReplyStatus_REPLY_STATUS_INSUFFICIENT):
	case out.GetTransferIn() != nil && r.GetKind() == pb.StockCommandKind_STOCK_COMMAND_KIND_TRANSFER_IN && ok:
	default:
		return fmt.Errorf("%v %v reply to %s: %w", r.GetKind(), r.GetStatus(), out.GetCommandId(), ErrBadReply)
	}
	return nil
}

// Receive records the arrival of an in-transit transfer's goods and sends
// the credit (stamped with the receipt's input). A repeated receipt sends
// nothing (the credit is already outstanding, or done: then the transfer is
// published again). The destination's status is not checked: the goods are
// there.
func Receive(s *pb.TransferState, stamp Stamp, now time.Time) (Effects, error) {
	t := s.GetTransfer()
	switch {
	case t.GetStatus() == pb.TransferStatus_TRANSFER_STATUS_COMPLETED:
		return Effects{Publish: true}, nil
	case t.GetStatus() != pb.TransferStatus_TRANSFER_STATUS_IN_TRANSIT:
		return Effects{}, fmt.Errorf("transfer %s is %s: %w", t.GetId(), StatusName(t.GetStatus()), ErrNotInTransit)
	case s.GetOutstanding() != nil:
		return Effects{}, nil
	}
	t.ReceivedAtUnixMs = now.UnixMilli()
	touch(t, now)
	s.Outstanding = legCmd(t, "in", t.GetToWarehouseId(), stamp, now)
	return Effects{Command: s.Outstanding, Changed: true}, nil
}

// Outstanding is what the state says must have been sent: the stock
// command awaiting its reply, exactly as first sent (same id, same stamp).
// After a crash some of a transition's emits may be lost while its new
// state survived; sending it again puts the saga back on track. A decided
// transfer is published again instead.
func Outstanding(s *pb.TransferState) Effects {
	if c := s.GetOutstanding(); c != nil {
		return Effects{Command: c}
	}
	return Effects{Publish: s.GetTransfer().GetStatus() != pb.TransferStatus_TRANSFER_STATUS_REQUESTED}
}

// NeedsRedrive reports whether a transfer's debit or credit has been
// outstanding for longer than after: a healthy saga settles in
// milliseconds, so the command (or its reply) was probably lost. An
// in-transit transfer waiting for its goods needs nothing. Re-driving a
// healthy one changes nothing.
func NeedsRedrive(s *pb.TransferState, now time.Time, after time.Duration) bool {
	return s.GetOutstanding() != nil && now.Sub(time.UnixMilli(s.GetTransfer().GetUpdatedAtUnixMs())) > after
}

// StatusName is the API spelling of a status: "requested", "in_transit",
// "completed", "rejected".
func StatusName(s pb.TransferStatus) string {
	return strings.ToLower(strings.TrimPrefix(s.String(), "TRANSFER_STATUS_"))
}

func reject(s *pb.TransferState, p *pb.Problem, now time.Time) Effects {
	s.Transfer.Status = pb.TransferStatus_TRANSFER_STATUS_REJECTED
	s.Transfer.Problem = p
	s.Outstanding = nil
	touch(s.Transfer, now)
	return Effects{Changed: true, Publish: true, Event: pb.TransferEventKind_TRANSFER_EVENT_KIND_REJECTED}
}

// legCmd builds the debit ("out") or credit ("in") of the transfer, with
// an id derived from the leg so that a re-run of the same transition
// produces the same command.
func legCmd(t *pb.Transfer, leg, warehouse string, stamp Stamp, now time.Time) *pb.StockCommand {
	cmd := &pb.StockCommand{
		CommandId: t.GetId() + "/" + leg, ProductId: t.GetProductId(), WarehouseId: warehouse,
		IssuedAtUnixMs: now.UnixMilli(), Source: stamp.Source, SourceOffset: stamp.Offset,
	}
	if leg == "out" {
		cmd.Kind = &pb.StockCommand_TransferOut{TransferOut: &pb.TransferOut{TransferId: t.GetId(), Quantity: t.GetQuantity()}}
	} else {
		cmd.Kind = &pb.StockCommand_TransferIn{TransferIn: &pb.TransferIn{TransferId: t.GetId(), Quantity: t.GetQuantity()}}
	}
	return cmd
}

func touch(t *pb.Transfer, now time.Time) {
	t.Version++
	t.UpdatedAtUnixMs = now.UnixMilli()
}
