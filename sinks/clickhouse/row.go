package clickhouse

import (
	"errors"
	"fmt"
	"strings"
	"time"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// Kinds of movement in the stock_movements table (its Enum8 kind column).
const (
	KindReceive     = "receive"
	KindCount       = "count"
	KindCorrect     = "correct"
	KindAdjust      = "adjust" // an ADJUST without adjust_kind (movements from before the field)
	KindReserve     = "reserve"
	KindRelease     = "release"
	KindCommit      = "commit"
	KindTransferOut = "transfer_out"
	KindTransferIn  = "transfer_in"
)

// Release causes (the cause column); empty for every other kind.
const (
	CauseCancel = "cancel" // the customer cancelled (reason is their text)
	CauseExpire = "expire"
	CauseReject = "reject" // another line could not be held
	CauseOrphan = "orphan"
	CauseReplay = "replay"
)

// ErrBadMovement is wrapped by ToRow for a movement that cannot be stored;
// the sink dead-letters it.
var ErrBadMovement = errors.New("bad stock movement")

// Row is one stock_movements row.
type Row struct {
	MovementID, ProductID, WarehouseID string
	Kind, Cause                        string
	OnHandDelta, ReservedDelta         int64
	OnHandAfter, ReservedAfter         int64
	OrderID, TransferID, CommandID     string
	Reason                             string
	Version                            int64
	At                                 time.Time
	AtUnixMs                           int64
}

// key is the level the row belongs to, "<product>@<warehouse>".
func (r Row) key() string { return r.ProductID + "@" + r.WarehouseID }

// Columns is the explicit column list of every insert into
// stock_movements (clickhouse-go needs one); columnsOf follows it.
const Columns = "movement_id, product_id, warehouse_id, kind, cause, on_hand_delta, reserved_delta, " +
	"on_hand_after, reserved_after, order_id, transfer_id, command_id, reason, version, at, at_unix_ms"

// columnsOf turns rows into one slice per column, in Columns order.
func columnsOf(rows []Row) []any {
	n := len(rows)
	str := func(f func(Row) string) []string {
		out := make([]string, n)
		for i, r := range rows {
			out[i] = f(r)
		}
		return out
	}
	num := func(f func(Row) int64) []int64 {
		out := make([]int64, n)
		for i, r := range rows {
			out[i] = f(r)
		}
		return out
	}
	at := make([]time.Time, n)
	for i, r := range rows {
		at[i] = r.At
	}
	return []any{
		str(func(r Row) string { return r.MovementID }),
		str(func(r Row) string { return r.ProductID }),
		str(func(r Row) string { return r.WarehouseID }),
		str(func(r Row) string { return r.Kind }),
		str(func(r Row) string { return r.Cause }),
		num(func(r Row) int64 { return r.OnHandDelta }),
		num(func(r Row) int64 { return r.ReservedDelta }),
		num(func(r Row) int64 { return r.OnHandAfter }),
		num(func(r Row) int64 { return r.ReservedAfter }),
		str(func(r Row) string { return r.OrderID }),
		str(func(r Row) string { return r.TransferID }),
		str(func(r Row) string { return r.CommandID }),
		str(func(r Row) string { return r.Reason }),
		num(func(r Row) int64 { return r.Version }),
		at,
		num(func(r Row) int64 { return r.AtUnixMs }),
	}
}

// ToRow maps a movement to its row, or fails with ErrBadMovement when it
// has no identity (ids, a positive version) or an unknown kind.
func ToRow(m *pb.StockMovement) (Row, error) {
	kind, err := kindOf(m)
	if err != nil {
		return Row{}, err
	}
	if m.GetProductId() == "" || m.GetWarehouseId() == "" || m.GetVersion() <= 0 {
		return Row{}, fmt.Errorf("%w: product %q, warehouse %q, version %d", ErrBadMovement, m.GetProductId(), m.GetWarehouseId(), m.GetVersion())
	}
	id := m.GetMovementId()
	if id == "" {
		return Row{}, fmt.Errorf("%w: no movement id", ErrBadMovement)
	}
	at := time.UnixMilli(m.GetAtUnixMs()).UTC()
	r := Row{
		MovementID: id, ProductID: m.GetProductId(), WarehouseID: m.GetWarehouseId(),
		Kind: kind, OnHandDelta: m.GetOnHandDelta(), ReservedDelta: m.GetReservedDelta(),
		OnHandAfter: m.GetOnHandAfter(), ReservedAfter: m.GetReservedAfter(),
		OrderID: m.GetOrderId(), TransferID: m.GetTransferId(), CommandID: m.GetCommandId(),
		Reason: m.GetReason(), Version: m.GetVersion(), At: at.Truncate(time.Second), AtUnixMs: m.GetAtUnixMs(),
	}
	if kind == KindRelease {
		r.Cause = ReleaseCause(m.GetReason())
	}
	return r, nil
}

func kindOf(m *pb.StockMovement) (string, error) {
	switch m.GetKind() {
	case pb.MovementKind_MOVEMENT_KIND_RESERVE:
		return KindReserve, nil
	case pb.MovementKind_MOVEMENT_KIND_RELEASE:
		return KindRelease, nil
	case pb.MovementKind_MOVEMENT_KIND_COMMIT:
		return KindCommit, nil
	case pb.MovementKind_MOVEMENT_KIND_TRANSFER_OUT:
		return KindTransferOut, nil
	case pb.MovementKind_MOVEMENT_KIND_TRANSFER_IN:
		return KindTransferIn, nil
	case pb.MovementKind_MOVEMENT_KIND_ADJUST:
		switch m.GetAdjustKind() {
		case pb.AdjustKind_ADJUST_KIND_RECEIVE:
			return KindReceive, nil
		case pb.AdjustKind_ADJUST_KIND_COUNT:
			return KindCount, nil
		case pb.AdjustKind_ADJUST_KIND_CORRECT:
			return KindCorrect, nil
		default:
			return KindAdjust, nil
		}
	default:
		return "", fmt.Errorf("%w: unknown kind %v", ErrBadMovement, m.GetKind())
	}
}

// ReleaseCause classifies a release's reason: the saga's fixed reasons
// ("expired", "rejected", "orphan", "replay"), anything else being a
// customer's cancel reason.
func ReleaseCause(reason string) string {
	switch strings.ToLower(reason) {
	case "expired":
		return CauseExpire
	case "rejected":
		return CauseReject
	case "orphan":
		return CauseOrphan
	case "replay":
		return CauseReplay
	default:
		return CauseCancel
	}
}
