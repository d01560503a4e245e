package stock

import (
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/lovoo/goka"

	"github.com/stockflow/stockflow/internal/metrics"
	"github.com/stockflow/stockflow/internal/stream"
	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// Graph is the stock processor's goka group graph. It emits nothing but
// adjustment outcomes for the API: replies, movements and alerts are
// derived from the stock changelog by the Relay, so each one reaches Kafka
// exactly when the level change that caused it did.
func Graph() *goka.GroupGraph {
	return goka.DefineGroup(topics.StockGroup,
		stream.Input(topics.StockGroup, topics.StockCommands, apply),
		goka.Persist(schemas.StockLevelCodec),
		goka.Lookup(topics.CatalogTable, schemas.ProductCodec),
		goka.Output(topics.Outcomes, schemas.OutcomeCodec),
		stream.DeadLetterOutput(),
	)
}

// apply runs one command against the key's level.
// BelowWindowLog is the warning for a command taken as applied only
// because its stamp is below the level's window (see BelowWindow).
const BelowWindowLog = "taking a saga command for a re-send: its stamp is below the level's window of recent stamps"

func apply(ctx goka.Context, cmd *pb.StockCommand) error {
	productID, warehouseID, err := SplitKey(ctx.Key())
	if err != nil {
		return stream.Inapplicable(err)
	}
	if cmd.GetProductId() != productID || cmd.GetWarehouseId() != warehouseID {
		return stream.Errorf("command for %s@%s arrived on key %s", cmd.GetProductId(), cmd.GetWarehouseId(), ctx.Key())
	}
	level, stored := current(ctx, productID, warehouseID)
	if stored && ctx.Offset() <= level.GetAppliedOffset() {
		// A replay after a crash: the level already holds its effect and
		// the relay publishes what it did from the changelog.
		metrics.StockDecisions.WithLabelValues(commandName(cmd), "replay").Inc()
		if a := cmd.GetAdjust(); a != nil {
			outcome(ctx, cmd, &pb.Outcome{Result: &pb.Outcome_StockLevel{StockLevel: level}})
		}
		return nil
	}
	if Resent(level, cmd.GetSource(), cmd.GetSourceOffset()) {
		// A saga re-sent a command this level applied already.
		decision := "resent"
		if BelowWindow(level, cmd.GetSource(), cmd.GetSourceOffset()) {
			decision = "resent_below_window"
			slog.Warn(BelowWindowLog, "key", ctx.Key(), "command", cmd.GetCommandId(),
				"source", cmd.GetSource(), "stamp", cmd.GetSourceOffset(), "mark", level.GetSources()[cmd.GetSource()])
		}
		metrics.StockDecisions.WithLabelValues(commandName(cmd), decision).Inc()
		return nil
	}
	if a := cmd.GetAdjust(); a != nil {
		return adjust(ctx, cmd, level, a)
	}
	change, err := decide(level, cmd)
	if err != nil {
		return err
	}
	MarkApplied(level, cmd.GetSource(), cmd.GetSourceOffset())
	store(ctx, cmd, level, change)
	return nil
}

// decide applies a saga command's rule and describes the change, reply
// included.
func decide(level *pb.StockLevel, cmd *pb.StockCommand) (*pb.StockChange, error) {
	var (
		v         Verdict
		err       error
		orderID   string
		requested int64
	)
	switch k := cmd.GetKind().(type) {
	case *pb.StockCommand_Reserve:
		orderID, requested = k.Reserve.GetOrderId(), k.Reserve.GetQuantity()
		if orderID == "" {
			return nil, stream.Errorf("reserve %q has no order id", cmd.GetCommandId())
		}
		v, err = Reserve(level, orderID, requested, k.Reserve.GetAllowPartial())
		if err != nil {
			return nil, stream.Inapplicable(err)
		}
	case *pb.StockCommand_Release:
		orderID, requested = k.Release.GetOrderId(), k.Release.GetQuantity()
		if orderID == "" {
			return nil, stream.Errorf("release %q has no order id", cmd.GetCommandId())
		}
		v, err = Release(level, orderID, requested, k.Release.GetReason())
	case *pb.StockCommand_Commit:
		orderID, requested = k.Commit.GetOrderId(), k.Commit.GetQuantity()
		if orderID == "" {
			return nil, stream.Errorf("commit %q has no order id", cmd.GetCommandId())
		}
		v, err = Commit(level, orderID, requested)
	case *pb.StockCommand_TransferOut, *pb.StockCommand_TransferIn:
		var transferID string
		v, transferID, requested, err = transferLeg(level, cmd)
		if err != nil {
			return nil, stream.Inapplicable(err)
		}
		metrics.StockDecisions.WithLabelValues(commandName(cmd), v.Status.String()).Inc()
		return &pb.StockChange{Movement: v.Movement, Reply: &pb.StockReply{
			CommandId: cmd.GetCommandId(), TransferId: transferID,
			ProductId: level.GetProductId(), WarehouseId: level.GetWarehouseId(),
			Status: v.Status, Kind: KindOf(cmd), Requested: requested, Quantity: v.Quantity,
			Available: Available(level),
		}}, nil
	default:
		return nil, stream.Errorf("stock command %q has no kind", cmd.GetCommandId())
	}
	if errors.Is(err, ErrNotHeld) || errors.Is(err, ErrInvalidQuantity) {
		// Only a saga bug sends this; refuse it without changing the
		// level, and answer so the saga does not wait forever.
		slog.Error("refusing a stock command that does not match the level", "key", Key(level.GetProductId(), level.GetWarehouseId()), "command", cmd.GetCommandId(), "error", err)
		v = Verdict{Status: pb.ReplyStatus_REPLY_STATUS_NO_HOLD}
	}
	metrics.StockDecisions.WithLabelValues(commandName(cmd), v.Status.String()).Inc()
	return &pb.StockChange{
		Movement: v.Movement,
		Reply: &pb.StockReply{
			CommandId: cmd.GetCommandId(), OrderId: orderID,
			ProductId: level.GetProductId(), WarehouseId: level.GetWarehouseId(),
			Status: v.Status, Kind: KindOf(cmd), Requested: requested, Quantity: v.Quantity,
			Available: Available(level),
		},
	}, nil
}

func current(ctx goka.Context, productID, warehouseID string) (*pb.StockLevel, bool) {
	if l, ok := ctx.Value().(*pb.StockLevel); ok && l != nil {
		return l, true
	}
	return &pb.StockLevel{ProductId: productID, WarehouseId: warehouseID}, false
}

func adjust(ctx goka.Context, cmd *pb.StockCommand, level *pb.StockLevel, a *pb.Adjust) error {
	v, err := Adjust(level, cmd.GetCommandId(), a)
	if err != nil {
		metrics.StockDecisions.WithLabelValues("adjust", "refused").Inc()
		p := adjustProblem(err)
		if p.GetCode() == pb.ErrorCode_ERROR_CODE_INVALID {
			// An unknown kind or a quantity the API never sends: poison.
			return stream.Reject(ctx, cmd.GetCorrelationId(), p, err)
		}
		outcome(ctx, cmd, &pb.Outcome{Result: &pb.Outcome_Problem{Problem: p}})
		return nil
	}
	metrics.StockDecisions.WithLabelValues("adjust", v.Status.String()).Inc()
	if v.Movement != nil {
		store(ctx, cmd, level, &pb.StockChange{Movement: v.Movement})
	}
	outcome(ctx, cmd, &pb.Outcome{Result: &pb.Outcome_StockLevel{StockLevel: level}})
	return nil
}

func adjustProblem(err error) *pb.Problem {
	p := &pb.Problem{Code: pb.ErrorCode_ERROR_CODE_INVALID, Detail: err.Error(), Field: "quantity"}
	switch {
	case errors.Is(err, ErrCountMismatch):
		p.Code, p.Field = pb.ErrorCode_ERROR_CODE_CONFLICT, "expected_on_hand"
	case errors.Is(err, ErrBelowReserved):
		p.Code = pb.ErrorCode_ERROR_CODE_CONFLICT
	}
	return p
}

// store writes the level with the change it just took, for the relay.
func store(ctx goka.Context, cmd *pb.StockCommand, level *pb.StockLevel, change *pb.StockChange) {
	now := time.Now().UnixMilli()
	level.UpdatedAtUnixMs = now
	level.AppliedOffset = ctx.Offset()
	if m := change.GetMovement(); m != nil {
		m.CommandId = cmd.GetCommandId()
		m.AtUnixMs = now
		change.Alert = alertFor(m, threshold(ctx, level.GetProductId()))
	}
	level.Changes = []*pb.StockChange{change}
	ctx.SetValue(level)
}

// threshold is the product's low-stock threshold from the catalog.
func threshold(ctx goka.Context, productID string) int64 {
	if p, ok := ctx.Lookup(topics.CatalogTable, productID).(*pb.Product); ok && p != nil {
		return p.GetLowStockThreshold()
	}
	return DefaultLowStockThreshold
}

// KindOf is the kind of a stock command.
func KindOf(cmd *pb.StockCommand) pb.StockCommandKind {
	switch cmd.GetKind().(type) {
	case *pb.StockCommand_Reserve:
		return pb.StockCommandKind_STOCK_COMMAND_KIND_RESERVE
	case *pb.StockCommand_Release:
		return pb.StockCommandKind_STOCK_COMMAND_KIND_RELEASE
	case *pb.StockCommand_Commit:
		return pb.StockCommandKind_STOCK_COMMAND_KIND_COMMIT
	case *pb.StockCommand_Adjust:
		return pb.StockCommandKind_STOCK_COMMAND_KIND_ADJUST
	case *pb.StockCommand_TransferOut:
		return pb.StockCommandKind_STOCK_COMMAND_KIND_TRANSFER_OUT
	case *pb.StockCommand_TransferIn:
		return pb.StockCommandKind_STOCK_COMMAND_KIND_TRANSFER_IN
	}
	return pb.StockCommandKind_STOCK_COMMAND_KIND_UNSPECIFIED
}

// commandName is the metrics label of a command's kind: "reserve", ...
func commandName(cmd *pb.StockCommand) string {
	return strings.ToLower(strings.TrimPrefix(KindOf(cmd).String(), "STOCK_COMMAND_KIND_"))
}

func outcome(ctx goka.Context, cmd *pb.StockCommand, o *pb.Outcome) {
	if cmd.GetCorrelationId() == "" {
		return
	}
	o.CorrelationId = cmd.GetCorrelationId()
	ctx.Emit(topics.Outcomes, o.CorrelationId, o)
}
