package stock

import (
	"errors"
	"time"

	"github.com/lovoo/goka"

	"github.com/stockflow/stockflow/internal/metrics"
	"github.com/stockflow/stockflow/internal/stream"
	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// Graph is the stock processor's goka group graph.
func Graph() *goka.GroupGraph {
	return goka.DefineGroup(topics.StockGroup,
		stream.Input(topics.StockGroup, topics.StockCommands, apply),
		goka.Persist(schemas.StockLevelCodec),
		goka.Output(topics.StockReplies, schemas.StockReplyCodec),
		goka.Output(topics.TransferReplies, schemas.StockReplyCodec),
		goka.Output(topics.StockMovements, schemas.StockMovementCodec),
		goka.Output(topics.StockAlerts, schemas.StockAlertCodec),
		goka.Lookup(topics.CatalogTable, schemas.ProductCodec),
		goka.Output(topics.Outcomes, schemas.OutcomeCodec),
		stream.DeadLetterOutput(),
	)
}

// apply runs one command against the key's level.
func apply(ctx goka.Context, cmd *pb.StockCommand) error {
	productID, warehouseID, err := SplitKey(ctx.Key())
	if err != nil {
		return stream.Errorf("%w", err)
	}
	if cmd.GetProductId() != productID || cmd.GetWarehouseId() != warehouseID {
		return stream.Errorf("command for %s@%s arrived on key %s", cmd.GetProductId(), cmd.GetWarehouseId(), ctx.Key())
	}
	level := current(ctx, productID, warehouseID)
	if level.GetVersion() > 0 && ctx.Offset() <= level.GetAppliedOffset() {
		return replay(ctx, cmd, level)
	}
	switch k := cmd.GetKind().(type) {
	case *pb.StockCommand_Reserve:
		v, err := Reserve(level, k.Reserve.GetOrderId(), k.Reserve.GetQuantity(), k.Reserve.GetAllowPartial())
		if err != nil {
			return stream.Errorf("%w", err)
		}
		record(ctx, cmd, level, v)
		reply(ctx, cmd, "reserve", k.Reserve.GetOrderId(), k.Reserve.GetQuantity(), level, v)
	case *pb.StockCommand_Release:
		v := Release(level, k.Release.GetOrderId(), k.Release.GetReason())
		record(ctx, cmd, level, v)
		reply(ctx, cmd, "release", k.Release.GetOrderId(), 0, level, v)
	case *pb.StockCommand_Commit:
		v := Commit(level, k.Commit.GetOrderId())
		record(ctx, cmd, level, v)
		reply(ctx, cmd, "commit", k.Commit.GetOrderId(), 0, level, v)
	case *pb.StockCommand_Adjust:
		adjust(ctx, cmd, level, k.Adjust)
	case *pb.StockCommand_TransferOut, *pb.StockCommand_TransferIn:
		return applyTransfer(ctx, cmd, level)
	default:
		return stream.Errorf("stock command %q has no kind", cmd.GetCommandId())
	}
	return nil
}

// replay answers a command that was applied before a crash without applying
// it again (the recent window may have forgotten it): the reply repeats what
// the current state says, which is what the saga needs to move on.
func replay(ctx goka.Context, cmd *pb.StockCommand, level *pb.StockLevel) error {
	switch k := cmd.GetKind().(type) {
	case *pb.StockCommand_Reserve:
		v := Verdict{Status: pb.ReplyStatus_REPLY_STATUS_CLOSED}
		if held, ok := level.GetHolds()[k.Reserve.GetOrderId()]; ok {
			v = Verdict{Status: pb.ReplyStatus_REPLY_STATUS_OK, Quantity: held}
		}
		reply(ctx, cmd, "reserve", k.Reserve.GetOrderId(), k.Reserve.GetQuantity(), level, v)
	case *pb.StockCommand_Release:
		reply(ctx, cmd, "release", k.Release.GetOrderId(), 0, level, Verdict{Status: pb.ReplyStatus_REPLY_STATUS_OK})
	case *pb.StockCommand_Commit:
		reply(ctx, cmd, "commit", k.Commit.GetOrderId(), 0, level, Verdict{Status: pb.ReplyStatus_REPLY_STATUS_OK})
	case *pb.StockCommand_Adjust:
		outcome(ctx, cmd, &pb.Outcome{Result: &pb.Outcome_StockLevel{StockLevel: level}})
	case *pb.StockCommand_TransferOut, *pb.StockCommand_TransferIn:
		return applyTransfer(ctx, cmd, level)
	}
	return nil
}

func current(ctx goka.Context, productID, warehouseID string) *pb.StockLevel {
	if l, ok := ctx.Value().(*pb.StockLevel); ok && l != nil {
		return l
	}
	return &pb.StockLevel{ProductId: productID, WarehouseId: warehouseID}
}

func adjust(ctx goka.Context, cmd *pb.StockCommand, level *pb.StockLevel, a *pb.Adjust) {
	v, err := Adjust(level, cmd.GetCommandId(), a)
	if err != nil {
		metrics.StockDecisions.WithLabelValues("adjust", "refused").Inc()
		outcome(ctx, cmd, &pb.Outcome{Result: &pb.Outcome_Problem{Problem: adjustProblem(err)}})
		return
	}
	record(ctx, cmd, level, v)
	metrics.StockDecisions.WithLabelValues("adjust", v.Status.String()).Inc()
	outcome(ctx, cmd, &pb.Outcome{Result: &pb.Outcome_StockLevel{StockLevel: level}})
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

// record stores a changed level and emits its movement.
func record(ctx goka.Context, cmd *pb.StockCommand, level *pb.StockLevel, v Verdict) {
	if !v.Changed {
		return
	}
	now := time.Now().UnixMilli()
	level.UpdatedAtUnixMs = now
	level.AppliedOffset = ctx.Offset()
	ctx.SetValue(level)
	if v.Movement != nil {
		v.Movement.CommandId = cmd.GetCommandId()
		v.Movement.AtUnixMs = now
		ctx.Emit(topics.StockMovements, ctx.Key(), v.Movement)
		if a := alertFor(v.Movement, threshold(ctx, level.GetProductId())); a != nil {
			ctx.Emit(topics.StockAlerts, ctx.Key(), a)
		}
	}
}

// threshold is the product's low-stock threshold from the catalog.
func threshold(ctx goka.Context, productID string) int64 {
	if p, ok := ctx.Lookup(topics.CatalogTable, productID).(*pb.Product); ok && p != nil {
		return p.GetLowStockThreshold()
	}
	return DefaultLowStockThreshold
}

func reply(ctx goka.Context, cmd *pb.StockCommand, command, orderID string, requested int64, level *pb.StockLevel, v Verdict) {
	metrics.StockDecisions.WithLabelValues(command, v.Status.String()).Inc()
	ctx.Emit(topics.StockReplies, orderID, &pb.StockReply{
		CommandId:   cmd.GetCommandId(),
		OrderId:     orderID,
		ProductId:   level.GetProductId(),
		WarehouseId: level.GetWarehouseId(),
		Status:      v.Status,
		Command:     command,
		Requested:   requested,
		Quantity:    v.Quantity,
		Available:   Available(level),
	})
}

func outcome(ctx goka.Context, cmd *pb.StockCommand, o *pb.Outcome) {
	if cmd.GetCorrelationId() == "" {
		return
	}
	o.CorrelationId = cmd.GetCorrelationId()
	ctx.Emit(topics.Outcomes, o.CorrelationId, o)
}
